/*-------------------------------------------------------------------------
 *
 * derive.c
 *	  What the acting user holds: the permissions and roles derived at an
 *	  org from the user's valid assignments there and above, plus what
 *	  support access gives there; the permissions derived on a resource from
 *	  its org down through its grants; and the listings built on them (the
 *	  orgs where the user holds a permission, the resources at or below one
 *	  where the user holds a permission or may do an action).  Results are
 *	  kept in the memo (memo.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/hsearch.h"

#include "actions.h"
#include "cache_state.h"
#include "derive.h"
#include "memo.h"
#include "orgs.h"
#include "resources.h"
#include "roles.h"
#include "support.h"
#include "user.h"

/*
 * What a lookup of an unknown id returns once AP_MAX_NEGATIVE of them are
 * kept: shared, never in a hash table, never freed.
 */
static ApOrgMemo missing_memo = {.valid = true,.exists = false};

/*
 * ApplySupport works out the support access level in force at an org (the
 * nearest valid setting of the org or an ancestor, else the default; the
 * nearest valid override) and, for support staff, adds what it gives.
 */
static void
ApplySupport(ApOrgMemo *m, OrgNode *n, ApOrgMemo *parent)
{
	int8		level;

	if (n->has_setting && ApCheckNow < n->setting_until)
		m->customer_level = n->setting_level;
	else
		m->customer_level = parent ? parent->customer_level : (int8) ApSupportDefaultLevel;
	if (n->has_override && ApCheckNow < n->override_until)
		m->override_level = n->override_level;
	else
		m->override_level = parent ? parent->override_level : AP_SUPPORT_NONE;

	level = Max(m->customer_level, m->override_level);
	if (ApUserIsSupport && level > AP_SUPPORT_NONE)
	{
		MemoryContext old;

		ApLoadAllPermissions();
		old = MemoryContextSwitchTo(ApMemoContext);
		m->eff_perms = bms_union(m->perms, ApSupportLevelPerms[level]);
		MemoryContextSwitchTo(old);
	}
}

/*
 * ComputeOrgMemo derives the permissions and roles held at one org from its
 * parent's memo and the user's valid assignments there.  Orgs without an
 * assignment of the user share the parent's sets.
 */
static ApOrgMemo *
ComputeOrgMemo(int64 org_id, bool exists, ApOrgMemo *parent)
{
	ApOrgMemo  *m;
	bool		found;
	UserOrgAssign *ua = NULL;
	Bitmapset  *perms = parent ? parent->perms : NULL;
	int			nroles = parent ? parent->nroles : 0;
	int64	   *roles = parent ? parent->roles : NULL;

	if (exists && ApAssignHash)
		ua = hash_search(ApAssignHash, &org_id, HASH_FIND, NULL);
	if (ua)
	{
		MemoryContext old = MemoryContextSwitchTo(ApMemoContext);
		bool		copied = false;
		int			i;

		for (i = 0; i < ua->n; i++)
		{
			AssignRow  *row = &ua->rows[i];
			RoleEntry  *role;

			if (!row->enabled || !ApValidNow(row->valid_from, row->expires_at))
				continue;
			role = ApGetRole(row->role_id);
			if (!copied)
			{
				perms = bms_copy(perms);
				roles = palloc(sizeof(int64) * (nroles + ua->n));
				if (nroles > 0)
					memcpy(roles, parent->roles, sizeof(int64) * nroles);
				copied = true;
			}
			perms = bms_add_members(perms, role->perms);
			roles[nroles++] = row->role_id;
		}
		MemoryContextSwitchTo(old);
	}

	m = hash_search(ApOrgMemoHash, &org_id, HASH_ENTER, &found);
	m->exists = exists;
	m->perms = exists ? perms : NULL;
	m->nroles = exists ? nroles : 0;
	m->roles = exists ? roles : NULL;
	m->customer_level = AP_SUPPORT_NONE;
	m->override_level = AP_SUPPORT_NONE;
	m->eff_perms = m->perms;
	if (exists)
		ApplySupport(m, ApGetOrgNode(org_id), parent);
	m->valid = true;
	ApMemoEntries++;
	return m;
}

/*
 * GetOrgMemoExt: the memo of an org, computed on first use.  may_reset says
 * the caller holds no pointer into the memo, so that it may be thrown away
 * here once it is too big; nested lookups (while a resource's memo is being
 * computed from its parent's) pass false.
 */
static ApOrgMemo *
GetOrgMemoExt(int64 org_id, bool may_reset)
{
	ApOrgMemo  *m;
	int64	   *chain;
	int			nchain = 0;
	int			cap = 16;
	int64		cur = org_id;
	ApOrgMemo  *top = NULL;
	OrgWalk		walk;

	m = hash_search(ApOrgMemoHash, &org_id, HASH_FIND, NULL);
	if (m && m->valid)
		return m;

	if (may_reset)
		ApCheckMemoSize();
	ApLoadAssignments();

	chain = palloc(sizeof(int64) * cap);
	memset(&walk, 0, sizeof(walk));
	for (;;)
	{
		OrgNode    *n;

		CHECK_FOR_INTERRUPTS();
		m = hash_search(ApOrgMemoHash, &cur, HASH_FIND, NULL);
		if (m && m->valid)
		{
			top = m;
			break;
		}
		/* the first lookup alone needs no kept-open scans */
		n = ApGetOrgNodeWalk(cur, nchain == 0 ? NULL : &walk, true);
		if (!n->exists)
		{
			if (nchain == 0)
			{
				pfree(chain);
				if (ApMemoNegative >= AP_MAX_NEGATIVE)
					return &missing_memo;
				ApMemoNegative++;
				return ComputeOrgMemo(org_id, false, NULL);
			}
			/* a parent that vanished under us: treat the child as a root */
			break;
		}
		if (nchain == cap)
		{
			if (cap >= AP_MAX_CHAIN)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("org tree above org " INT64_FORMAT " does not end", org_id),
						 errhint("The org tree contains a cycle, written around the cycle check (e.g. with triggers disabled).")));
			cap *= 2;
			chain = repalloc(chain, sizeof(int64) * cap);
		}
		chain[nchain++] = cur;
		if (!n->has_parent)
			break;
		cur = n->parent_id;
	}
	ApOrgWalkEnd(&walk);

	while (nchain > 0)
	{
		top = ComputeOrgMemo(chain[nchain - 1], true, top);
		nchain--;
	}
	pfree(chain);
	return top;
}

static inline ApOrgMemo *
GetOrgMemo(int64 org_id)
{
	return GetOrgMemoExt(org_id, true);
}

const Bitmapset *
ApOrgPermissions(int64 org_id)
{
	if (!ApUserExists)
		return NULL;
	return GetOrgMemo(org_id)->eff_perms;
}

/*
 * ApOrgRolePermissions: what the acting user holds at the org through role
 * assignments alone (no support access): what administration counts.
 */
const Bitmapset *
ApOrgRolePermissions(int64 org_id)
{
	if (!ApUserExists)
		return NULL;
	return GetOrgMemo(org_id)->perms;
}

/*
 * ApOrgsWithPermission lists every org where the user holds the permission:
 * the subtrees below each org where a valid assignment carries it, read down
 * from there (what the user sees, not the whole tree).  Support staff may
 * see any org through support access: for them every org is asked.
 */
int64 *
ApOrgsWithPermission(int perm_index, int *count)
{
	HASH_SEQ_STATUS seq;
	UserOrgAssign *ua;
	int64	   *result;
	int			n = 0;
	int			cap = 64;
	OrgNode   **stack;			/* the current level */
	OrgNode   **load;			/* its orgs whose children are not read yet */
	OrgNode   **next;			/* the next level */
	int			sp;
	int			scap = 64;
	int			nnext;
	int			ncap = 64;
	OrgWalk		walk;
	OrgNode    *node;

	*count = 0;
	if (!ApUserExists)
		return NULL;
	if (ApUserIsSupport)
		ApLoadAllOrgs();
	ApLoadAssignments();

	/* a new mark for the nodes this listing visits */
	if (++ApOrgMark == 0)
	{
		hash_seq_init(&seq, ApOrgHash);
		while ((node = hash_seq_search(&seq)) != NULL)
			node->mark = 0;
		ApOrgMark = 1;
	}
	result = palloc(sizeof(int64) * cap);
	stack = palloc(sizeof(OrgNode *) * scap);
	load = palloc(sizeof(OrgNode *) * scap);
	next = palloc(sizeof(OrgNode *) * ncap);
	memset(&walk, 0, sizeof(walk));

	/* the orgs of the assignments that carry the permission */
	sp = 0;
	hash_seq_init(&seq, ApAssignHash);
	while ((ua = hash_seq_search(&seq)) != NULL)
	{
		bool		holds = false;
		int			i;

		for (i = 0; i < ua->n && !holds; i++)
		{
			AssignRow  *row = &ua->rows[i];

			if (row->enabled && ApValidNow(row->valid_from, row->expires_at) &&
				bms_is_member(perm_index, ApGetRole(row->role_id)->perms))
				holds = true;
		}
		if (!holds)
			continue;

		node = ApGetOrgNodeWalk(ua->org_id, &walk, false);
		if (!node->exists || node->mark == ApOrgMark)
			continue;
		node->mark = ApOrgMark;
		if (sp == scap)
		{
			/* load holds up to a level too: both grow together */
			scap *= 2;
			stack = repalloc_huge(stack, sizeof(OrgNode *) * scap);
			load = repalloc_huge(load, sizeof(OrgNode *) * scap);
		}
		stack[sp++] = node;
	}

	/* down the subtrees, a level at a time: stack holds the current level */
	nnext = 0;
	while (sp > 0)
	{
		int			nload = 0;
		int			i;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < sp; i++)
		{
			if (n == cap)
			{
				cap *= 2;
				result = repalloc_huge(result, sizeof(int64) * cap);
			}
			result[n++] = stack[i]->id;
			if (!stack[i]->children_loaded)
				load[nload++] = stack[i];
		}
		ApLoadChildren(load, nload, &walk);
		for (i = 0; i < sp; i++)
		{
			OrgNode    *p = stack[i];
			int			j;

			for (j = 0; j < p->nchildren; j++)
			{
				OrgNode    *c = p->children[j];

				if (c->mark == ApOrgMark)
					continue;	/* below two assignments (or a cycle) */
				c->mark = ApOrgMark;
				if (nnext == ncap)
				{
					ncap *= 2;
					next = repalloc_huge(next, sizeof(OrgNode *) * ncap);
				}
				next[nnext++] = c;
			}
		}
		/* the next level becomes the current one */
		if (nnext > scap)
		{
			scap = nnext;
			stack = repalloc_huge(stack, sizeof(OrgNode *) * scap);
			load = repalloc_huge(load, sizeof(OrgNode *) * scap);
		}
		memcpy(stack, next, sizeof(OrgNode *) * nnext);
		sp = nnext;
		nnext = 0;
	}
	ApOrgWalkEnd(&walk);
	if (ApUserIsSupport)
	{
		/* support access may open any org: ask each one not listed yet */
		long		norgs = hash_get_num_entries(ApOrgHash);
		int64	   *all = palloc_extended(sizeof(int64) * Max(norgs, 1), MCXT_ALLOC_HUGE);
		long		nall = 0;
		long		i;

		hash_seq_init(&seq, ApOrgHash);
		while ((node = hash_seq_search(&seq)) != NULL)
			if (node->exists && node->mark != ApOrgMark && nall < norgs)
				all[nall++] = node->id;
		for (i = 0; i < nall; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (!bms_is_member(perm_index, GetOrgMemo(all[i])->eff_perms))
				continue;
			if (n == cap)
			{
				cap *= 2;
				result = repalloc_huge(result, sizeof(int64) * cap);
			}
			result[n++] = all[i];
		}
		pfree(all);
	}
	pfree(stack);
	pfree(load);
	pfree(next);
	*count = n;
	return result;
}

/* Does the user validly hold the role at the org or above it? */
static bool
HoldsRoleAt(int64 role_id, int64 org_id)
{
	/* the caller is computing a memo from its parent's: no reset now */
	ApOrgMemo  *m = GetOrgMemoExt(org_id, false);
	int			i;

	for (i = 0; i < m->nroles; i++)
		if (m->roles[i] == role_id)
			return true;
	return false;
}

static inline bool
ResMemoValid(const ResNode *n)
{
	return n->memo_epoch == ApResMemoEpoch;
}

/* ComputeResMemo: the node's permissions from its parent's and its grants. */
static ResNode *
ComputeResMemo(ResNode *n, const Bitmapset *parent_perms)
{
	Bitmapset  *perms = (Bitmapset *) parent_perms;
	bool		copied = false;
	int			i;

	for (i = 0; i < n->ngrants; i++)
	{
		GrantRow   *g = &n->grants[i];

		if (!ApValidNow(g->valid_from, g->expires_at))
			continue;
		if (!HoldsRoleAt(g->role_id, g->authorized_org))
			continue;
		{
			MemoryContext old = MemoryContextSwitchTo(ApMemoContext);

			if (!copied)
			{
				perms = bms_copy(perms);
				copied = true;
			}
			perms = bms_add_members(perms, ApGetRole(g->role_id)->perms);
			MemoryContextSwitchTo(old);
		}
	}
	n->memo_perms = perms;
	n->memo_epoch = ApResMemoEpoch;
	ApMemoEntries++;
	return n;
}

/* GetResMemo: the node of a resource with its memo valid. */
static ResNode *
GetResMemo(int64 id)
{
	ResNode    *n;
	int64	   *chain;
	int			nchain = 0;
	int			cap = 16;
	int64		cur = id;
	const Bitmapset *perms = NULL;
	bool		have_top = false;
	int64		org = 0;

	n = hash_search(ApResHash, &id, HASH_FIND, NULL);
	if (n && n->loaded && ResMemoValid(n))
		return n;
	ApCheckMemoSize();

	chain = palloc(sizeof(int64) * cap);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		n = ApGetResNode(cur);
		if (!n->exists)
		{
			if (nchain == 0)
			{
				pfree(chain);
				if (n == &ApMissingRes)
					return n;
				n->memo_perms = NULL;
				n->memo_epoch = ApResMemoEpoch;
				ApMemoEntries++;
				return n;
			}
			break;
		}
		if (ResMemoValid(n))
		{
			perms = n->memo_perms;
			have_top = true;
			break;
		}
		if (nchain == cap)
		{
			if (cap >= AP_MAX_CHAIN)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("resource tree above resource " INT64_FORMAT " does not end", id),
						 errhint("The resource tree contains a cycle, written with triggers disabled.")));
			cap *= 2;
			chain = repalloc(chain, sizeof(int64) * cap);
		}
		chain[nchain++] = cur;
		org = n->org_id;
		if (!n->has_parent)
			break;
		cur = n->parent_id;
	}
	/* the org is the root of its resource tree */
	if (!have_top)
		perms = GetOrgMemo(org)->eff_perms;

	while (nchain > 0)
	{
		n = ApGetResNode(chain[--nchain]);
		ComputeResMemo(n, perms);
		perms = n->memo_perms;
	}
	pfree(chain);
	return n;
}

const Bitmapset *
ApResourcePermissions(int64 resource_id, int64 *org_id)
{
	ResNode    *n;

	*org_id = 0;
	if (!ApUserExists)
	{
		n = ApGetResNode(resource_id);
		*org_id = n->exists ? n->org_id : 0;
		return NULL;
	}
	ApLoadAssignments();
	n = GetResMemo(resource_id);
	*org_id = n->exists ? n->org_id : 0;
	return n->memo_perms;
}

/*
 * ApListResources lists the resources at or below root on which the user
 * holds perm_index (action == NULL) or may do the action.
 */
int64 *
ApListResources(int64 root_id, int perm_index, const char *action, int *count)
{
	typedef struct Pending
	{
		int64		id;
		ResNode    *parent;		/* NULL for the root */
	} Pending;
	ResNode    *root;
	int64	   *result;
	int			n = 0;
	int			cap = 64;
	Pending    *stack;
	int			sp = 0;
	int			scap = 64;

	*count = 0;
	if (action)
		ApCheckActionKnown(action);
	root = ApGetResNode(root_id);
	if (!root->exists || !ApUserExists)
		return NULL;
	ApLoadAssignments();
	ApLoadOrgResources(root->org_id);

	result = palloc(sizeof(int64) * cap);
	stack = palloc(sizeof(Pending) * scap);
	stack[sp].id = root_id;
	stack[sp].parent = NULL;
	sp++;
	while (sp > 0)
	{
		Pending		item = stack[--sp];
		ResNode    *node = hash_search(ApResHash, &item.id, HASH_FIND, NULL);
		bool		ok;
		int			i;

		CHECK_FOR_INTERRUPTS();
		if (node == NULL || !node->exists)
			continue;
		if (!ResMemoValid(node))
		{
			if (item.parent != NULL && ResMemoValid(item.parent))
				ComputeResMemo(node, item.parent->memo_perms);
			else
				node = GetResMemo(item.id);
		}
		if (action)
		{
			const Bitmapset *needed = ApActionNeeded(ApKindNames[node->kind], action);

			ok = needed != NULL && bms_is_subset(needed, node->memo_perms);
		}
		else
			ok = bms_is_member(perm_index, node->memo_perms);
		if (ok)
		{
			if (n == cap)
			{
				cap *= 2;
				result = repalloc_huge(result, sizeof(int64) * cap);
			}
			result[n++] = item.id;
		}
		if (sp + node->nchildren > scap)
		{
			scap = Max(scap * 2, sp + node->nchildren);
			stack = repalloc_huge(stack, sizeof(Pending) * scap);
		}
		for (i = 0; i < node->nchildren; i++)
		{
			stack[sp].id = node->children[i];
			stack[sp].parent = node;
			sp++;
		}
	}
	pfree(stack);
	*count = n;
	return result;
}
