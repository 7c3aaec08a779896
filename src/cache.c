/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  The per-backend policy cache: what the checks need to know about the
 *	  org tree, roles, the acting user's assignments and resource grants.
 *
 * Everything is loaded lazily, one index lookup at a time, so that the first
 * check of a backend reads only what it needs; listing functions load whole
 * org trees or one org's resources at once.
 *
 * Consistency: a statement trigger on every policy table sends a relcache
 * invalidation for that table (transactional: other backends see it when the
 * writer commits, the writer itself at its next command).  The relcache
 * callback only marks the affected part stale; the next check throws that
 * part away and reloads it.  Loads read with a fresh catalog-style snapshot
 * (latest committed data plus the backend's own earlier commands), never the
 * transaction snapshot, so REPEATABLE READ transactions see revocations at
 * their next statement too.  The executor start hook accepts pending
 * invalidation messages at the start of every statement.
 *
 * Time: validity windows are evaluated at the start of the statement, or of
 * the transaction if it started later (a procedure that commits starts new
 * transactions inside one CALL statement).  The memo of derived permissions
 * remembers the earliest window boundary after the time it was computed for,
 * and is thrown away once a check's time is at or after that boundary, so
 * expiry needs no invalidation.
 *
 * Memory lives in contexts below CacheMemoryContext, one per part, reset
 * (never partially freed) when that part goes stale.  An entry is marked
 * loaded only after it is complete, so an error mid-load leaves nothing
 * half built behind.  Ids that do not exist are remembered only up to
 * AP_MAX_NEGATIVE per part, whatever ids the checks are asked about.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "parser/parse_relation.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "access_policy.h"

/* Limits that keep a backend's memory bounded; past them a part is rebuilt. */
#define AP_MAX_MEMO_ENTRIES		500000
#define AP_MAX_CHAIN			1000000	/* deeper than this can only be a cycle */

/*
 * Ids that do not exist are remembered (as "not there") up to this many per
 * part: orgs, resources and the memo.  Past it they are answered but not
 * kept, so that checks of millions of distinct unknown ids (which anyone who
 * may call a check can ask for) cannot grow the cache without end.
 */
#define AP_MAX_NEGATIVE			10000

/* ---------- relation OIDs and column numbers, resolved by name ---------- */

typedef struct ApRels
{
	bool		valid;
	Oid			nsp;
	Oid			users;
	Oid			users_pkey;
	Oid			orgs;
	Oid			orgs_pkey;
	Oid			orgs_parent_idx;	/* or orgs_children_idx */
	Oid			permissions;
	Oid			permissions_pkey;
	Oid			roles;
	Oid			role_permissions;
	Oid			role_permissions_pkey;
	Oid			assignments;
	Oid			assignments_user_key;
	Oid			resource_kinds;
	Oid			kind_actions;
	Oid			resources;
	Oid			resources_pkey;
	Oid			resources_org_idx;
	Oid			resource_grants;
	Oid			resource_grants_resource_key;
	Oid			resource_grants_org_idx;
	Oid			login_roles;
	Oid			login_roles_pkey;
	Oid			protected_tables;
	Oid			support_settings;
	Oid			support_settings_pkey;
	Oid			support_overrides;
	Oid			support_overrides_pkey;
	Oid			orgs_with_fn;
	/* signal relations (0.2.0; InvalidOid under a 0.1.0 schema) */
	Oid			sig_orgs;
	Oid			sig_roles;
	Oid			sig_res;
	Oid			sig_actions;
	Oid			sig_logins;
	Oid			sig_user[AP_USER_BUCKETS];
	/* column numbers */
	AttrNumber	org_id_att,
				org_parent_att;
	AttrNumber	perm_name_att,
				perm_ro_att,
				perm_sread_att,
				perm_snever_att;
	AttrNumber	ss_org_att,
				ss_level_att,
				ss_until_att;
	AttrNumber	so_org_att,
				so_level_att,
				so_until_att;
	AttrNumber	user_support_att;
	AttrNumber	rp_role_att,
				rp_perm_att;
	AttrNumber	as_user_att,
				as_org_att,
				as_role_att,
				as_enabled_att,
				as_from_att,
				as_until_att;
	AttrNumber	ka_kind_att,
				ka_action_att,
				ka_perm_att;
	AttrNumber	res_id_att,
				res_org_att,
				res_parent_att,
				res_kind_att;
	AttrNumber	gr_res_att,
				gr_org_att,
				gr_role_att,
				gr_auth_att,
				gr_from_att,
				gr_until_att;
	AttrNumber	lr_role_att,
				lr_user_att;
	AttrNumber	user_id_att;
} ApRels;

static ApRels rels;

/* ---------- cached data ---------- */

typedef struct OrgNode
{
	int64		id;				/* hash key */
	int64		parent_id;
	struct OrgNode **children;	/* valid once children_loaded */
	int32		nchildren;
	uint32		mark;			/* visited by the listing numbered so */
	bool		loaded;			/* the org's row has been read */
	bool		exists;
	bool		has_parent;
	bool		children_loaded;	/* its children have been read */
	bool		support_loaded; /* its support setting and override have been read */
	/* support access: the org's own setting and the vendor's override */
	bool		has_setting;
	int8		setting_level;
	bool		has_override;
	int8		override_level;
	TimestampTz setting_until;
	TimestampTz override_until;
} OrgNode;

typedef struct PermEntry
{
	char		name[NAMEDATALEN];	/* hash key */
	int			index;
} PermEntry;

typedef struct RoleEntry
{
	int64		id;				/* hash key */
	bool		loaded;
	Bitmapset  *perms;
} RoleEntry;

typedef struct AssignRow
{
	int64		role_id;
	bool		enabled;
	TimestampTz valid_from;
	TimestampTz expires_at;
} AssignRow;

typedef struct UserOrgAssign
{
	int64		org_id;			/* hash key */
	int			n;
	int			cap;
	AssignRow  *rows;
} UserOrgAssign;

typedef struct ApOrgMemo
{
	int64		org_id;			/* hash key */
	bool		valid;
	bool		exists;
	Bitmapset  *perms;			/* permissions from assignments here or above */
	Bitmapset  *eff_perms;		/* perms plus what support access gives here */
	int8		customer_level; /* support level the customer's settings give */
	int8		override_level; /* support level a vendor override gives */
	int			nroles;
	int64	   *roles;			/* roles validly held here (here or above) */
} ApOrgMemo;

typedef struct GrantRow
{
	int64		role_id;
	int64		authorized_org;
	TimestampTz valid_from;
	TimestampTz expires_at;
} GrantRow;

/*
 * ResNode: one resource, its grants and children, and what the acting user
 * derives on it (memo_perms, valid while memo_epoch is res_memo_epoch).  Kept
 * at 64 bytes: a user who reads every resource caches 200,000 of them.
 */
typedef struct ResNode
{
	int64		id;				/* hash key */
	int64		org_id;
	int64		parent_id;
	GrantRow   *grants;
	int64	   *children;		/* valid once the org's resources are loaded */
	Bitmapset  *memo_perms;		/* permissions held on it, from the org down */
	uint32		memo_epoch;
	int32		ngrants;
	int32		nchildren;
	int16		kind;			/* index into kind_names */
	bool		loaded:1;
	bool		exists:1;
	bool		has_parent:1;
	bool		grants_loaded:1;
} ResNode;

StaticAssertDecl(sizeof(ResNode) <= 64, "ResNode should stay within 64 bytes");

typedef struct ResOrgDone
{
	int64		org_id;			/* hash key */
	bool		complete;
} ResOrgDone;

typedef struct ActionKey
{
	char		kind[NAMEDATALEN];
	char		action[NAMEDATALEN];
} ActionKey;

typedef struct ActionEntry
{
	ActionKey	key;			/* hash key */
	Bitmapset  *needed;
} ActionEntry;

typedef struct ActionName
{
	char		action[NAMEDATALEN];	/* hash key */
} ActionName;

/*
 * What a lookup of an unknown id returns once AP_MAX_NEGATIVE of them are
 * kept: shared, never in a hash table, never freed.
 */
static OrgNode missing_org = {.loaded = true,.exists = false};
static ResNode missing_res = {.loaded = true,.exists = false};
static ApOrgMemo missing_memo = {.valid = true,.exists = false};

/* memory contexts, one per part */
static MemoryContext ApTopContext = NULL;
static MemoryContext OrgContext = NULL;		/* org tree */
static MemoryContext RoleContext = NULL;	/* permission registry and roles */
static MemoryContext UserContext = NULL;	/* acting user and assignments */
static MemoryContext ResContext = NULL; /* resources and grants */
static MemoryContext MemoContext = NULL;	/* derived, per acting user */
static MemoryContext ActionContext = NULL;	/* kind actions */

static HTAB *org_hash = NULL;
static bool orgs_complete = false;	/* every org is in org_hash (support staff) */
static uint32 org_mark = 0;		/* number of the last listing that marked nodes */

/*
 * Org channels (see ApOrgChannel): which channels the cached org nodes and
 * child lists were read from, and for every channel the sequence number of
 * the last invalidation message that arrived for it.  A message for a touched
 * channel makes the org part stale; so does touching a channel whose last
 * message arrived after the snapshot the data were read with was taken.
 */
static uint64 org_touched[AP_ORG_CHANNELS / 64];
static bool org_touched_all = false;	/* the whole tree is loaded */
static uint64 org_arrived[AP_ORG_CHANNELS];
static uint64 org_msg_seq = 0;

static HTAB *perm_hash = NULL;
static int	perm_count = 0;
static bool perms_all_loaded = false;
static Bitmapset *support_level_perms[3];	/* by level: none, read, write */
static HTAB *role_hash = NULL;

static bool user_resolved = false;
static bool user_exists = false;
static char *user_id = NULL;
static bool user_is_system = false;
static bool user_is_support = false;
static uint64 memo_support_gen = 0;
static uint64 user_identity_gen = 0;
static Oid	user_outer_oid = InvalidOid;
static int	user_bucket = -1;	/* signal bucket of the identity, -1 if none */
static HTAB *assign_hash = NULL;
static bool assigns_loaded = false;

static HTAB *res_hash = NULL;
static HTAB *res_org_hash = NULL;

static HTAB *org_memo_hash = NULL;
static uint32 res_memo_epoch = 1;	/* a ResNode's memo is valid at this epoch */
static HTAB *kind_hash = NULL;	/* resource kind name -> index */
static char **kind_names = NULL;
static int	kind_count = 0;
static int	kind_cap = 0;
static long memo_entries = 0;
static int	org_negative = 0;		/* org_hash nodes of ids that do not exist */
static int	res_negative = 0;		/* res_hash nodes of ids that do not exist */
static int	memo_negative = 0;		/* org memo entries of ids that do not exist */
static TimestampTz memo_base = 0;
static TimestampTz memo_horizon = DT_NOEND;

static HTAB *action_hash = NULL;
static HTAB *action_name_hash = NULL;
static bool actions_loaded = false;

/* staleness flags, set by the relcache callback and consumed by ApBeginCheck */
static bool stale_all = true;
static bool stale_orgs = false;
static bool stale_roles = false;
static bool stale_user = false;
static bool stale_res = false;
static bool stale_actions = false;

static uint64 cache_generation = 1;

/* the fast path of ApBeginCheckFast(): valid while ApNeedBegin is false */
bool		ApNeedBegin = true;
TimestampTz ApCheckedStatement = 0;
Oid			ApCheckedOuterUser = InvalidOid;
static int64 rebuild_count = 0;
static TimestampTz check_now = 0;

/* ---------- setup and invalidation ---------- */

static void ApRelcacheCallback(Datum arg, Oid relid);
static void ApXactCallback(XactEvent event, void *arg);
static void ApExecutorStart(QueryDesc *queryDesc, int eflags);
static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/*
 * ApCacheInit registers the one relcache callback, the transaction callback
 * and the executor start hook; called from _PG_init.
 */
void
ApCacheInit(void)
{
	CacheRegisterRelcacheCallback(ApRelcacheCallback, (Datum) 0);
	RegisterXactCallback(ApXactCallback, NULL);
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = ApExecutorStart;
}

/*
 * ApXactCallback closes the fast path at the end of every transaction: the
 * next transaction has a later time even when no new statement starts (a
 * procedure that commits in a loop, whose PL/pgSQL simple expressions run
 * without the executor start hook).
 */
static void
ApXactCallback(XactEvent event, void *arg)
{
	ApNeedBegin = true;
}

/*
 * ApCheckTime: the time validity windows are evaluated at.  Inside a CALL
 * the statement start time stays the CALL's while each COMMIT starts a
 * transaction with a later start time.  Parallel workers get both times from
 * the leader; a hot standby has both too.
 */
static inline TimestampTz
ApCheckTime(void)
{
	return Max(GetCurrentStatementStartTimestamp(), GetCurrentTransactionStartTimestamp());
}

/*
 * ApExecutorStart makes every statement see policy changes committed before
 * it started: inside an open transaction no new lock may be taken, so
 * invalidation messages would otherwise wait.
 */
static void
ApExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (rels.valid)
		AcceptInvalidationMessages();
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * ApRelcacheCallback only marks the part of the cache that depends on the
 * invalidated table as stale; nothing is freed here, since a check may be
 * using it right now.
 */
static void
ApRelcacheCallback(Datum arg, Oid relid)
{
	if (relid >= AP_ORG_CHANNEL_BASE && relid < AP_ORG_CHANNEL_BASE + AP_ORG_CHANNELS)
	{
		uint32		c = relid - AP_ORG_CHANNEL_BASE;

		org_arrived[c] = ++org_msg_seq;
		if (org_touched_all || (org_touched[c / 64] & (UINT64CONST(1) << (c % 64))) != 0)
		{
			stale_orgs = true;
			ApNeedBegin = true;
		}
		return;
	}
	ApNeedBegin = true;
	if (relid == InvalidOid)
	{
		stale_all = true;
		return;
	}
	if (!rels.valid)
		return;
	if (relid == rels.sig_orgs)
		stale_orgs = true;
	else if (relid == rels.sig_roles)
		stale_roles = true;
	else if (relid == rels.sig_res)
		stale_res = true;
	else if (relid == rels.sig_actions)
		stale_actions = true;
	else if (relid == rels.sig_logins)
		stale_user = true;
	else if (user_bucket >= 0 && relid == rels.sig_user[user_bucket])
		stale_user = true;
	/* the tables themselves: DDL, VACUUM, or a 0.1.0 schema's triggers */
	else if (relid == rels.orgs || relid == rels.support_settings || relid == rels.support_overrides)
		stale_orgs = true;
	else if (relid == rels.permissions || relid == rels.roles || relid == rels.role_permissions)
		stale_roles = true;
	else if (relid == rels.users || relid == rels.login_roles || relid == rels.assignments)
		stale_user = true;
	else if (relid == rels.resources || relid == rels.resource_grants)
		stale_res = true;
	else if (relid == rels.resource_kinds || relid == rels.kind_actions)
		stale_actions = true;
}

/*
 * LookupRel resolves one of our relations by name; ERROR if the extension's
 * objects are missing (e.g. the library is loaded but the extension is not
 * installed in this database).
 */
static Oid
LookupRel(const char *name)
{
	Oid			relid = get_relname_relid(name, rels.nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("access_policy is not installed in this database"),
				 errdetail("Relation \"%s.%s\" does not exist.", AP_SCHEMA_NAME, name),
				 errhint("Run CREATE EXTENSION access_policy.")));
	return relid;
}

static AttrNumber
LookupAtt(Oid relid, const char *name)
{
	AttrNumber	att = get_attnum(relid, name);

	if (att == InvalidAttrNumber)
		elog(ERROR, "access_policy: column \"%s\" missing in relation %u", name, relid);
	return att;
}

/*
 * ResolveSignals finds the signal relations (_signal_*) with one range scan
 * of pg_class by name instead of a lookup per name: the first check of a new
 * backend pays for every catalog lookup.  Missing ones (a 0.1.0 schema) stay
 * InvalidOid.
 */
static void
ResolveSignals(ApRels *r)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[2];
	HeapTuple	tup;
	NameData	lo;
	NameData	hi;

	namestrcpy(&lo, "_signal_");
	namestrcpy(&hi, "_signal`");	/* '`' follows '_' */
	ScanKeyInit(&key[0], Anum_pg_class_relname, BTGreaterEqualStrategyNumber, F_NAMEGE, NameGetDatum(&lo));
	ScanKeyInit(&key[1], Anum_pg_class_relname, BTLessStrategyNumber, F_NAMELT, NameGetDatum(&hi));
	key[0].sk_collation = C_COLLATION_OID;
	key[1].sk_collation = C_COLLATION_OID;
	rel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ClassNameNspIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);
		const char *name = NameStr(form->relname);
		int			b;

		if (form->relnamespace != r->nsp)
			continue;
		if (strcmp(name, "_signal_orgs") == 0)
			r->sig_orgs = form->oid;
		else if (strcmp(name, "_signal_roles") == 0)
			r->sig_roles = form->oid;
		else if (strcmp(name, "_signal_resources") == 0)
			r->sig_res = form->oid;
		else if (strcmp(name, "_signal_actions") == 0)
			r->sig_actions = form->oid;
		else if (strcmp(name, "_signal_logins") == 0)
			r->sig_logins = form->oid;
		else if (sscanf(name, "_signal_user_%d", &b) == 1 && b >= 0 && b < AP_USER_BUCKETS)
			r->sig_user[b] = form->oid;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	/* all buckets or none: a partial set would miss invalidations */
	for (int b = 0; b < AP_USER_BUCKETS; b++)
		if (!OidIsValid(r->sig_user[b]))
		{
			memset(r->sig_user, 0, sizeof(r->sig_user));
			break;
		}
}

static void
ResolveRels(void)
{
	ApRels		r;
	Oid			argtypes[1] = {TEXTOID};

	memset(&r, 0, sizeof(r));
	r.nsp = get_namespace_oid(AP_SCHEMA_NAME, true);
	if (!OidIsValid(r.nsp))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("access_policy is not installed in this database"),
				 errhint("Run CREATE EXTENSION access_policy.")));
	rels.nsp = r.nsp;
	r.users = LookupRel("users");
	r.users_pkey = LookupRel("users_pkey");
	r.orgs = LookupRel("orgs");
	r.orgs_pkey = LookupRel("orgs_pkey");
	/* orgs_children_idx since 0.4.0, orgs_parent_idx before */
	r.orgs_parent_idx = get_relname_relid("orgs_children_idx", r.nsp);
	if (!OidIsValid(r.orgs_parent_idx))
		r.orgs_parent_idx = LookupRel("orgs_parent_idx");
	r.permissions = LookupRel("permissions");
	r.permissions_pkey = LookupRel("permissions_pkey");
	r.roles = LookupRel("roles");
	r.role_permissions = LookupRel("role_permissions");
	r.role_permissions_pkey = LookupRel("role_permissions_pkey");
	r.assignments = LookupRel("assignments");
	r.assignments_user_key = LookupRel("assignments_user_id_org_id_role_id_key");
	r.resource_kinds = LookupRel("resource_kinds");
	r.kind_actions = LookupRel("kind_actions");
	r.resources = LookupRel("resources");
	r.resources_pkey = LookupRel("resources_pkey");
	r.resources_org_idx = LookupRel("resources_org_idx");
	r.resource_grants = LookupRel("resource_grants");
	r.resource_grants_resource_key = LookupRel("resource_grants_resource_id_role_id_authorized_org_id_key");
	r.resource_grants_org_idx = LookupRel("resource_grants_org_idx");
	r.login_roles = LookupRel("login_roles");
	r.login_roles_pkey = LookupRel("login_roles_pkey");
	r.protected_tables = LookupRel("protected_tables");
	r.support_settings = LookupRel("support_settings");
	r.support_settings_pkey = LookupRel("support_settings_pkey");
	r.support_overrides = LookupRel("support_overrides");
	r.support_overrides_pkey = LookupRel("support_overrides_pkey");

	r.org_id_att = LookupAtt(r.orgs, "id");
	r.org_parent_att = LookupAtt(r.orgs, "parent_id");
	r.perm_name_att = LookupAtt(r.permissions, "name");
	r.perm_ro_att = LookupAtt(r.permissions, "read_only");
	r.perm_sread_att = LookupAtt(r.permissions, "support_read");
	r.perm_snever_att = LookupAtt(r.permissions, "support_never");
	r.ss_org_att = LookupAtt(r.support_settings, "org_id");
	r.ss_level_att = LookupAtt(r.support_settings, "level");
	r.ss_until_att = LookupAtt(r.support_settings, "expires_at");
	r.so_org_att = LookupAtt(r.support_overrides, "org_id");
	r.so_level_att = LookupAtt(r.support_overrides, "level");
	r.so_until_att = LookupAtt(r.support_overrides, "expires_at");
	r.user_support_att = LookupAtt(r.users, "is_support_staff");
	r.rp_role_att = LookupAtt(r.role_permissions, "role_id");
	r.rp_perm_att = LookupAtt(r.role_permissions, "permission");
	r.as_user_att = LookupAtt(r.assignments, "user_id");
	r.as_org_att = LookupAtt(r.assignments, "org_id");
	r.as_role_att = LookupAtt(r.assignments, "role_id");
	r.as_enabled_att = LookupAtt(r.assignments, "enabled");
	r.as_from_att = LookupAtt(r.assignments, "valid_from");
	r.as_until_att = LookupAtt(r.assignments, "expires_at");
	r.ka_kind_att = LookupAtt(r.kind_actions, "kind");
	r.ka_action_att = LookupAtt(r.kind_actions, "action");
	r.ka_perm_att = LookupAtt(r.kind_actions, "permission");
	r.res_id_att = LookupAtt(r.resources, "id");
	r.res_org_att = LookupAtt(r.resources, "org_id");
	r.res_parent_att = LookupAtt(r.resources, "parent_id");
	r.res_kind_att = LookupAtt(r.resources, "kind");
	r.gr_res_att = LookupAtt(r.resource_grants, "resource_id");
	r.gr_org_att = LookupAtt(r.resource_grants, "org_id");
	r.gr_role_att = LookupAtt(r.resource_grants, "role_id");
	r.gr_auth_att = LookupAtt(r.resource_grants, "authorized_org_id");
	r.gr_from_att = LookupAtt(r.resource_grants, "valid_from");
	r.gr_until_att = LookupAtt(r.resource_grants, "expires_at");
	r.lr_role_att = LookupAtt(r.login_roles, "role_name");
	r.lr_user_att = LookupAtt(r.login_roles, "user_id");
	r.user_id_att = LookupAtt(r.users, "id");
	ResolveSignals(&r);
	r.orgs_with_fn = LookupFuncName(list_make2(makeString(AP_SCHEMA_NAME), makeString("orgs_with")),
									1, argtypes, false);
	r.valid = true;
	rels = r;
}

static HTAB *
MakeHash(const char *name, Size keysize, Size entrysize, MemoryContext cxt, bool strings)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, 64, &ctl,
					   HASH_ELEM | HASH_CONTEXT | (strings ? HASH_STRINGS : HASH_BLOBS));
}

#define MakeContext(name) AllocSetContextCreate(ApTopContext, name, ALLOCSET_DEFAULT_SIZES)

/*
 * The resource hash can hold hundreds of thousands of entries; its memory
 * comes from a context with small blocks (the default doubling up to 8 MB
 * blocks leaves up to a third of the memory allocated but unused).
 */
static MemoryContext ResHashContext = NULL;

static void *
ResHashAlloc(Size size)
{
	return MemoryContextAlloc(ResHashContext, size);
}

static HTAB *
MakeResHash(void)
{
	HASHCTL		ctl;

	ResHashContext = AllocSetContextCreate(ResContext, "access_policy resource nodes",
										   ALLOCSET_SMALL_MINSIZE, 8 * 1024, 256 * 1024);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ResNode);
	ctl.hcxt = ResContext;
	ctl.alloc = ResHashAlloc;
	return hash_create("access_policy resources", 1024, &ctl,
					   HASH_ELEM | HASH_CONTEXT | HASH_BLOBS | HASH_ALLOC);
}

static void
ResetMemo(void)
{
	MemoryContextReset(MemoContext);
	org_memo_hash = MakeHash("access_policy org memo", sizeof(int64), sizeof(ApOrgMemo), MemoContext, false);
	memo_entries = 0;
	memo_negative = 0;
	cache_generation++;
	/* every resource's memo is stale now; at wraparound clear them for real */
	if (++res_memo_epoch == 0)
	{
		HASH_SEQ_STATUS seq;
		ResNode    *n;

		if (res_hash)
		{
			hash_seq_init(&seq, res_hash);
			while ((n = hash_seq_search(&seq)) != NULL)
				n->memo_epoch = 0;
		}
		res_memo_epoch = 1;
	}
}

static void
ResetUser(void)
{
	MemoryContextReset(UserContext);
	user_resolved = false;
	user_exists = false;
	user_id = NULL;
	user_is_system = false;
	user_is_support = false;
	assign_hash = NULL;
	assigns_loaded = false;
	ResetMemo();
}

static void
ResetRes(void)
{
	MemoryContextReset(ResContext);
	res_hash = MakeResHash();
	res_org_hash = MakeHash("access_policy resource orgs", sizeof(int64), sizeof(ResOrgDone), ResContext, false);
	kind_hash = MakeHash("access_policy resource kinds", NAMEDATALEN, sizeof(PermEntry), ResContext, true);
	kind_names = NULL;
	kind_count = 0;
	kind_cap = 0;
	res_negative = 0;
	ResetMemo();
}

static void ResetActions(void);

static void
ResetRoles(void)
{
	MemoryContextReset(RoleContext);
	perm_hash = MakeHash("access_policy permissions", NAMEDATALEN, sizeof(PermEntry), RoleContext, true);
	role_hash = MakeHash("access_policy roles", sizeof(int64), sizeof(RoleEntry), RoleContext, false);
	perm_count = 0;
	perms_all_loaded = false;
	memset(support_level_perms, 0, sizeof(support_level_perms));
	/* permission bits are numbered afresh: everything holding bits goes too */
	ResetActions();
	ResetMemo();
}

static void
ResetActions(void)
{
	MemoryContextReset(ActionContext);
	action_hash = NULL;
	action_name_hash = NULL;
	actions_loaded = false;
	cache_generation++;
}

static void
ResetOrgs(void)
{
	MemoryContextReset(OrgContext);
	org_hash = MakeHash("access_policy orgs", sizeof(int64), sizeof(OrgNode), OrgContext, false);
	orgs_complete = false;
	org_negative = 0;
	memset(org_touched, 0, sizeof(org_touched));
	org_touched_all = false;
	ResetMemo();
}

/* ApOrgChannel: the channel of an org id (the same in every backend). */
uint32
ApOrgChannel(int64 org_id)
{
	return hash_bytes((const unsigned char *) &org_id, sizeof(org_id)) % AP_ORG_CHANNELS;
}

/*
 * OrgTouch records that data about org_id (its row, its support rows, or
 * with it as parent, its child list) is about to be read, or was read with a
 * snapshot taken when org_msg_seq was since: a message that arrived for its
 * channel after that makes the part stale right away.
 */
static inline void
OrgTouch(int64 org_id, uint64 since)
{
	uint32		c = ApOrgChannel(org_id);

	org_touched[c / 64] |= UINT64CONST(1) << (c % 64);
	if (unlikely(org_arrived[c] > since))
	{
		stale_orgs = true;
		ApNeedBegin = true;
	}
}

static void FoldBoundary(TimestampTz b);

/*
 * RecomputeHorizon finds the earliest validity boundary after now among the
 * loaded assignments and grants: the memo is right until then.
 */
static void
RecomputeHorizon(void)
{
	HASH_SEQ_STATUS seq;

	memo_base = check_now;
	memo_horizon = DT_NOEND;
	if (assign_hash)
	{
		UserOrgAssign *ua;

		hash_seq_init(&seq, assign_hash);
		while ((ua = hash_seq_search(&seq)) != NULL)
		{
			int			i;

			for (i = 0; i < ua->n; i++)
			{
				FoldBoundary(ua->rows[i].valid_from);
				FoldBoundary(ua->rows[i].expires_at);
			}
		}
	}
	if (org_hash)
	{
		OrgNode    *n;

		hash_seq_init(&seq, org_hash);
		while ((n = hash_seq_search(&seq)) != NULL)
		{
			if (n->has_setting)
				FoldBoundary(n->setting_until);
			if (n->has_override)
				FoldBoundary(n->override_until);
		}
	}
	if (res_hash)
	{
		ResNode    *n;

		hash_seq_init(&seq, res_hash);
		while ((n = hash_seq_search(&seq)) != NULL)
		{
			int			i;

			for (i = 0; i < n->ngrants; i++)
			{
				FoldBoundary(n->grants[i].valid_from);
				FoldBoundary(n->grants[i].expires_at);
			}
		}
	}
}

/*
 * ResolveUser finds who is acting: the identity set by set_user(), else the
 * user mapped to the current login role.  An identity naming no known user
 * acts as nobody.  The user's data is kept when the answer is unchanged.
 */
static void
ResolveUser(void)
{
	const char *ident = ApIdentityString();
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	char	   *candidate = NULL;
	char	   *found = NULL;
	bool		is_support = false;
	bool		is_system = false;
	Oid			outer = GetOuterUserId();

	if (ident != NULL && ident[0] != '\0')
	{
		if (strlen(ident) <= AP_MAX_USER_ID_LEN)
			candidate = pstrdup(ident);
	}
	else
	{
		NameData	rolname;
		char	   *rn = GetUserNameFromId(outer, true);

		if (rn != NULL)
		{
			namestrcpy(&rolname, rn);
			rel = table_open(rels.login_roles, AccessShareLock);
			ScanKeyInit(&key, rels.lr_role_att, BTEqualStrategyNumber, F_NAMEEQ,
						NameGetDatum(&rolname));
			key.sk_collation = C_COLLATION_OID;
			scan = systable_beginscan(rel, rels.login_roles_pkey, true, NULL, 1, &key);
			tup = systable_getnext(scan);
			if (HeapTupleIsValid(tup))
			{
				bool		isnull;
				Datum		d = heap_getattr(tup, rels.lr_user_att, RelationGetDescr(rel), &isnull);

				if (!isnull)
					candidate = TextDatumGetCString(d);
			}
			systable_endscan(scan);
			table_close(rel, AccessShareLock);
		}
		if (candidate == NULL)
			is_system = superuser_arg(outer);
	}

	user_bucket = candidate ? ApUserBucket(candidate, strlen(candidate)) : -1;
	if (candidate != NULL)
	{
		rel = table_open(rels.users, AccessShareLock);
		ScanKeyInit(&key, rels.user_id_att, BTEqualStrategyNumber, F_TEXTEQ,
					CStringGetTextDatum(candidate));
		key.sk_collation = DEFAULT_COLLATION_OID;
		scan = systable_beginscan(rel, rels.users_pkey, true, NULL, 1, &key);
		tup = systable_getnext(scan);
		if (HeapTupleIsValid(tup))
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, rels.user_support_att, RelationGetDescr(rel), &isnull);

			found = candidate;
			is_support = !isnull && DatumGetBool(d);
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}

	if ((found == NULL) != (user_id == NULL) ||
		(found != NULL && strcmp(found, user_id) != 0) ||
		is_support != user_is_support)
	{
		MemoryContextReset(UserContext);
		assign_hash = NULL;
		assigns_loaded = false;
		user_id = found ? MemoryContextStrdup(UserContext, found) : NULL;
		user_exists = (found != NULL);
		user_is_support = is_support;
		ResetMemo();
		/* the whole tree read for support staff is not kept for anybody else */
		if (orgs_complete && !is_support)
			ResetOrgs();
	}
	user_is_system = is_system;
	user_identity_gen = ApIdentityGeneration;
	user_outer_oid = outer;
	user_resolved = true;
}

/*
 * ApBeginCheck is called at the entry of every SQL-callable function that
 * reads the cache.  It throws away the stale parts (here, not in the
 * callback, so no pointer handed out earlier in this call is freed) and the
 * derived memo once the clock has crossed a validity boundary.
 */
void
ApBeginCheck(void)
{
	if (ApTopContext == NULL)
	{
		ApTopContext = AllocSetContextCreate(CacheMemoryContext, "access_policy cache",
											 ALLOCSET_DEFAULT_SIZES);
		OrgContext = MakeContext("access_policy orgs");
		RoleContext = MakeContext("access_policy roles");
		UserContext = MakeContext("access_policy user");
		ResContext = MakeContext("access_policy resources");
		MemoContext = MakeContext("access_policy memo");
		ActionContext = MakeContext("access_policy actions");
		stale_all = true;
	}

	/*
	 * Cleared first: an invalidation that arrives while loading sets it
	 * again.  The fast path stays closed until this function has finished
	 * (an error half way leaves ApCheckedStatement invalid).
	 */
	ApNeedBegin = false;
	ApCheckedStatement = 0;
	check_now = ApCheckTime();
	ApJwtRefresh();

	if (unlikely(stale_all || stale_orgs || stale_roles || stale_user || stale_res || stale_actions))
	{
		/* a dropped and re-created extension has new relations */
		if (!stale_all && (get_rel_namespace(rels.orgs) != rels.nsp ||
						   get_namespace_oid(AP_SCHEMA_NAME, true) != rels.nsp))
			stale_all = true;
		if (stale_all)
		{
			rels.valid = false;
			/* resolve before clearing the flag: an error here retries next time */
			ResolveRels();
			stale_all = false;
			stale_orgs = stale_roles = stale_user = stale_res = stale_actions = true;
		}
		rebuild_count++;
		if (stale_orgs)
		{
			stale_orgs = false;
			ResetOrgs();
		}
		if (stale_roles)
		{
			stale_roles = false;
			ResetRoles();
		}
		if (stale_res)
		{
			stale_res = false;
			ResetRes();
		}
		if (stale_user)
		{
			stale_user = false;
			ResetUser();
		}
		if (stale_actions)
		{
			stale_actions = false;
			ResetActions();
		}
		RecomputeHorizon();
	}

	if (unlikely(memo_support_gen != ApSupportGeneration))
	{
		/* the deployment's default support level changed */
		memo_support_gen = ApSupportGeneration;
		ResetMemo();
	}

	if (unlikely(check_now >= memo_horizon || check_now < memo_base))
	{
		/* a grant or an assignment has started or ended since the memo was made */
		ResetMemo();
		RecomputeHorizon();
	}

	if (unlikely(!user_resolved || user_identity_gen != ApIdentityGeneration ||
				 user_outer_oid != GetOuterUserId()))
		ResolveUser();
	/*
	 * The fast path's key is the statement start time alone: within one
	 * transaction check_now changes only with it, and a new transaction
	 * sets ApNeedBegin (ApXactCallback).
	 */
	ApCheckedStatement = GetCurrentStatementStartTimestamp();
	ApCheckedOuterUser = user_outer_oid;
}

uint64
ApCacheGeneration(void)
{
	return cache_generation;
}

bool
ApHaveUser(void)
{
	return user_exists;
}

const char *
ApCurrentUserId(void)
{
	return user_id;
}

bool
ApIsSystem(void)
{
	return user_is_system;
}

/* Fold a validity boundary into the memo horizon. */
static void
FoldBoundary(TimestampTz b)
{
	if (b > check_now && b < memo_horizon)
		memo_horizon = b;
}

static inline bool
ValidNow(TimestampTz from, TimestampTz until)
{
	return from <= check_now && check_now < until;
}

/* ---------- permissions and roles ---------- */

/*
 * ApPermissionIndex maps a permission name to its bit in this backend's
 * permission sets.  An unregistered name is almost always a typo, so it is an
 * error unless missing_ok.
 */
int
ApPermissionIndex(const char *name, bool missing_ok)
{
	PermEntry  *e;
	bool		found;
	char		key[NAMEDATALEN];
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	bool		exists;

	if (strlen(name) >= NAMEDATALEN)
	{
		if (missing_ok)
			return -1;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("permission \"%.*s...\" does not exist", 40, name),
				 errhint("Permission names have at most 63 characters.")));
	}
	memset(key, 0, sizeof(key));
	strlcpy(key, name, NAMEDATALEN);
	e = hash_search(perm_hash, key, HASH_FIND, NULL);
	if (e)
		return e->index;

	rel = table_open(rels.permissions, AccessShareLock);
	ScanKeyInit(&skey, rels.perm_name_att, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(name));
	skey.sk_collation = DEFAULT_COLLATION_OID;
	scan = systable_beginscan(rel, rels.permissions_pkey, true, NULL, 1, &skey);
	exists = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!exists)
	{
		if (missing_ok)
			return -1;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("permission \"%s\" does not exist", name),
				 errhint("Register it with access_policy.register_permission() or check the spelling.")));
	}
	e = hash_search(perm_hash, key, HASH_ENTER, &found);
	if (!found)
		e->index = perm_count++;
	return e->index;
}

static RoleEntry *
GetRole(int64 role_id)
{
	RoleEntry  *e;
	bool		found;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	Bitmapset  *perms = NULL;
	MemoryContext old;

	e = hash_search(role_hash, &role_id, HASH_FIND, NULL);
	if (e && e->loaded)
		return e;

	rel = table_open(rels.role_permissions, AccessShareLock);
	ScanKeyInit(&skey, rels.rp_role_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(role_id));
	scan = systable_beginscan(rel, rels.role_permissions_pkey, true, NULL, 1, &skey);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, rels.rp_perm_att, RelationGetDescr(rel), &isnull);
		int			idx;

		if (isnull)
			continue;
		idx = ApPermissionIndex(TextDatumGetCString(d), true);
		if (idx < 0)
			continue;
		old = MemoryContextSwitchTo(RoleContext);
		perms = bms_add_member(perms, idx);
		MemoryContextSwitchTo(old);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	e = hash_search(role_hash, &role_id, HASH_ENTER, &found);
	e->perms = perms;
	e->loaded = true;
	return e;
}

/* ---------- org tree ---------- */

/*
 * The org tree is read lazily, one org at a time: a check reads the chain
 * from the org up to its root (GetOrgNodeWalk), a listing reads the child
 * lists of the subtrees it walks down (LoadChildren) through orgs_parent_idx.
 * Only support staff, for whom any org may be open, read the whole tree
 * (LoadAllOrgs).  Whatever is read is touched (OrgTouch), so that only the
 * writes to those orgs make this backend read them again.
 */

static void
FillOrgNode(OrgNode *n, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, rels.org_parent_att, desc, &isnull);

	n->exists = true;
	n->has_parent = !isnull;
	n->parent_id = isnull ? 0 : DatumGetInt64(d);
	n->nchildren = 0;
	n->children = NULL;
	n->children_loaded = false;
	n->support_loaded = false;
	n->has_setting = false;
	n->has_override = false;
}

static int8
LevelFromText(Datum d)
{
	char	   *s = TextDatumGetCString(d);

	if (strcmp(s, "write") == 0)
		return AP_SUPPORT_WRITE;
	if (strcmp(s, "read") == 0)
		return AP_SUPPORT_READ;
	return AP_SUPPORT_NONE;
}

/*
 * SupportRowToNode copies a support_settings (or, with is_override, a
 * support_overrides) row into its org's node.
 */
static void
SupportRowToNode(OrgNode *n, HeapTuple tup, TupleDesc desc, bool is_override)
{
	bool		isnull;
	int8		level = LevelFromText(heap_getattr(tup, is_override ? rels.so_level_att : rels.ss_level_att,
												   desc, &isnull));
	TimestampTz until = DatumGetTimestampTz(heap_getattr(tup, is_override ? rels.so_until_att : rels.ss_until_att,
														 desc, &isnull));

	if (is_override)
	{
		n->has_override = true;
		n->override_level = level;
		n->override_until = until;
	}
	else
	{
		n->has_setting = true;
		n->setting_level = level;
		n->setting_until = until;
	}
	FoldBoundary(until);
}

/*
 * KeyScan: one index scan by a bigint key, kept open across many lookups (a
 * walk up a deep org chain, or down a subtree) with one fresh snapshot,
 * instead of opening the relations and starting a scan for every key.
 */
typedef struct KeyScan
{
	bool		open;
	Relation	heap;
	Relation	index;
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	HTAB	   *rows;			/* a small table read whole: key -> tuple */
	MemoryContext rows_cxt;		/* holds rows and its tuples */
} KeyScan;

typedef struct KeyedTuple
{
	int64		key;
	HeapTuple	tup;
} KeyedTuple;

/* a table of at most this many blocks is read whole rather than probed */
#define AP_SMALL_TABLE_BLOCKS	8

/*
 * OrgWalk: the scans of a series of org lookups, opened on first use.  since
 * is org_msg_seq before the first of their snapshots was taken.
 */
/*
 * ChildScan: a forward scan of orgs_parent_idx that reads the child lists of
 * many orgs in one pass (LoadChildren).  With the index's INCLUDE (id)
 * column (0.4.0) a child on an all-visible heap page is read from the index
 * alone, as an index-only scan does.
 */
typedef struct ChildScan
{
	bool		open;
	bool		covering;		/* the index holds the child's id too */
	Relation	heap;
	Relation	index;
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Buffer		vmbuffer;
} ChildScan;

typedef struct OrgWalk
{
	bool		started;
	uint64		since;
	KeyScan		orgs;
	ChildScan	children;
	KeyScan		settings;
	KeyScan		overrides;
} OrgWalk;

/*
 * KeyScanOpen: keyatt is the heap column the index's first column holds.  A
 * small table (support settings and overrides usually are) is read whole
 * into a hash once, instead of one index probe per key.
 */
static void
KeyScanOpen(KeyScan *ks, Oid heapid, Oid indexid, AttrNumber keyatt)
{
	ks->heap = table_open(heapid, AccessShareLock);
	ks->snapshot = RegisterSnapshot(GetCatalogSnapshot(heapid));
	ks->rows = NULL;
	ks->index = NULL;
	if (RelationGetNumberOfBlocks(ks->heap) <= AP_SMALL_TABLE_BLOCKS)
	{
		SysScanDesc scan = systable_beginscan(ks->heap, InvalidOid, false, ks->snapshot, 0, NULL);
		HeapTuple	tup;

		ks->rows_cxt = AllocSetContextCreate(CurrentMemoryContext, "access_policy small table",
											 ALLOCSET_SMALL_SIZES);
		ks->rows = MakeHash("access_policy small table", sizeof(int64), sizeof(KeyedTuple),
							ks->rows_cxt, false);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			int64		key = DatumGetInt64(heap_getattr(tup, keyatt, RelationGetDescr(ks->heap), &isnull));
			bool		found;
			KeyedTuple *kt;

			if (isnull)
				continue;
			kt = hash_search(ks->rows, &key, HASH_ENTER, &found);
			kt->tup = MemoryContextAlloc(ks->rows_cxt, HEAPTUPLESIZE + tup->t_len);
			kt->tup->t_len = tup->t_len;
			kt->tup->t_self = tup->t_self;
			kt->tup->t_tableOid = tup->t_tableOid;
			kt->tup->t_data = (HeapTupleHeader) ((char *) kt->tup + HEAPTUPLESIZE);
			memcpy(kt->tup->t_data, tup->t_data, tup->t_len);
		}
		systable_endscan(scan);
	}
	else
	{
		ks->index = index_open(indexid, AccessShareLock);
		ks->slot = table_slot_create(ks->heap, NULL);
#if PG_VERSION_NUM >= 180000
		/* 18 takes an instrumentation struct (NULL: none) */
		ks->scan = index_beginscan(ks->heap, ks->index, ks->snapshot, NULL, 1, 0);
#else
		ks->scan = index_beginscan(ks->heap, ks->index, ks->snapshot, 1, 0);
#endif
	}
	ks->open = true;
}

/* KeyScanFirst: the first row whose first index column equals key, or NULL. */
static HeapTuple
KeyScanFirst(KeyScan *ks, int64 key)
{
	ScanKeyData skey;
	bool		should_free;

	if (ks->rows != NULL)
	{
		KeyedTuple *kt = hash_search(ks->rows, &key, HASH_FIND, NULL);

		return kt ? kt->tup : NULL;
	}
	ScanKeyInit(&skey, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(key));
	index_rescan(ks->scan, &skey, 1, NULL, 0);
	if (!index_getnext_slot(ks->scan, ForwardScanDirection, ks->slot))
		return NULL;
	return ExecFetchSlotHeapTuple(ks->slot, false, &should_free);
}

static void
KeyScanClose(KeyScan *ks)
{
	if (!ks->open)
		return;
	if (ks->rows != NULL)
		MemoryContextDelete(ks->rows_cxt);
	else
	{
		index_endscan(ks->scan);
		ExecDropSingleTupleTableSlot(ks->slot);
		index_close(ks->index, AccessShareLock);
	}
	UnregisterSnapshot(ks->snapshot);
	table_close(ks->heap, AccessShareLock);
	ks->open = false;
}

static void
OrgWalkStart(OrgWalk *walk)
{
	if (!walk->started)
	{
		walk->started = true;
		walk->since = org_msg_seq;
	}
}

static void
ChildScanOpen(ChildScan *cs)
{
	cs->heap = table_open(rels.orgs, AccessShareLock);
	cs->index = index_open(rels.orgs_parent_idx, AccessShareLock);
	cs->snapshot = RegisterSnapshot(GetCatalogSnapshot(rels.orgs));
	cs->covering = cs->index->rd_index->indnatts >= 2 &&
		cs->index->rd_index->indkey.values[1] == rels.org_id_att;
	cs->slot = table_slot_create(cs->heap, NULL);
#if PG_VERSION_NUM >= 180000
	cs->scan = index_beginscan(cs->heap, cs->index, cs->snapshot, NULL, 1, 0);
#else
	cs->scan = index_beginscan(cs->heap, cs->index, cs->snapshot, 1, 0);
#endif
	cs->scan->xs_want_itup = true;
	cs->vmbuffer = InvalidBuffer;
	cs->open = true;
}

static void
ChildScanClose(ChildScan *cs)
{
	if (!cs->open)
		return;
	if (BufferIsValid(cs->vmbuffer))
		ReleaseBuffer(cs->vmbuffer);
	index_endscan(cs->scan);
	ExecDropSingleTupleTableSlot(cs->slot);
	index_close(cs->index, AccessShareLock);
	UnregisterSnapshot(cs->snapshot);
	table_close(cs->heap, AccessShareLock);
	cs->open = false;
}

static void
OrgWalkEnd(OrgWalk *walk)
{
	KeyScanClose(&walk->orgs);
	ChildScanClose(&walk->children);
	KeyScanClose(&walk->settings);
	KeyScanClose(&walk->overrides);
}

/*
 * ScanSupport reads support_settings or support_overrides: the row of one org
 * (n given) or every row (n NULL, for the whole loaded tree).
 */
static void
ScanSupport(OrgNode *n, bool is_override)
{
	Oid			relid = is_override ? rels.support_overrides : rels.support_settings;
	Oid			indexid = is_override ? rels.support_overrides_pkey : rels.support_settings_pkey;
	AttrNumber	orgatt = is_override ? rels.so_org_att : rels.ss_org_att;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;

	rel = table_open(relid, AccessShareLock);
	if (n != NULL)
	{
		ScanKeyInit(&skey, orgatt, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(n->id));
		scan = systable_beginscan(rel, indexid, true, NULL, 1, &skey);
	}
	else
		scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		OrgNode    *target = n;

		if (target == NULL)
		{
			bool		isnull;
			int64		id = DatumGetInt64(heap_getattr(tup, orgatt, RelationGetDescr(rel), &isnull));

			target = hash_search(org_hash, &id, HASH_FIND, NULL);
			if (target == NULL)
				continue;
		}
		SupportRowToNode(target, tup, RelationGetDescr(rel), is_override);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * KeepOrgNode: the node just read, kept in org_hash unless it is one unknown
 * id too many (then the shared missing_org stands for it).
 */
static OrgNode *
KeepOrgNode(OrgNode *n)
{
	int64		id = n->id;

	if (n->exists)
		return n;
	if (org_negative < AP_MAX_NEGATIVE)
	{
		org_negative++;
		return n;
	}
	hash_search(org_hash, &id, HASH_REMOVE, NULL);
	missing_org.id = id;
	return &missing_org;
}

/*
 * GetOrgNodeWalk: the org's node, read from the table on first use, with its
 * support setting and override if need_support; walk, if not NULL, holds
 * scans kept open for a series of lookups.  The node of an unknown id may be
 * the shared missing_org.
 */
static OrgNode *
GetOrgNodeWalk(int64 org_id, OrgWalk *walk, bool need_support)
{
	OrgNode    *n;
	bool		found;
	HeapTuple	tup;
	uint64		since;

	n = hash_search(org_hash, &org_id, HASH_FIND, NULL);
	if (n && n->loaded && (n->support_loaded || !need_support || !n->exists))
		return n;
	if (n == NULL)
	{
		n = hash_search(org_hash, &org_id, HASH_ENTER, &found);
		n->loaded = false;
		n->mark = 0;
	}
	if (orgs_complete)
	{
		/* the whole tree is here: an id not in it does not exist */
		Assert(!n->loaded);
		n->exists = false;
		n->loaded = true;
		return KeepOrgNode(n);
	}

	if (walk != NULL)
		OrgWalkStart(walk);
	since = walk ? walk->since : org_msg_seq;
	OrgTouch(org_id, since);

	if (!n->loaded)
	{
		n->exists = false;
		n->has_parent = false;
		n->nchildren = 0;
		n->children = NULL;
		n->children_loaded = false;
		n->support_loaded = false;
		n->has_setting = false;
		n->has_override = false;
		if (walk != NULL)
		{
			if (!walk->orgs.open)
				KeyScanOpen(&walk->orgs, rels.orgs, rels.orgs_pkey, rels.org_id_att);
			tup = KeyScanFirst(&walk->orgs, org_id);
			if (tup != NULL)
				FillOrgNode(n, tup, RelationGetDescr(walk->orgs.heap));
		}
		else
		{
			Relation	rel;
			SysScanDesc scan;
			ScanKeyData skey;

			rel = table_open(rels.orgs, AccessShareLock);
			ScanKeyInit(&skey, rels.org_id_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(org_id));
			scan = systable_beginscan(rel, rels.orgs_pkey, true, NULL, 1, &skey);
			tup = systable_getnext(scan);
			if (HeapTupleIsValid(tup))
				FillOrgNode(n, tup, RelationGetDescr(rel));
			systable_endscan(scan);
			table_close(rel, AccessShareLock);
		}
		n->loaded = true;
	}

	if (n->exists && need_support && !n->support_loaded)
	{
		if (walk != NULL)
		{
			if (!walk->settings.open)
			{
				KeyScanOpen(&walk->settings, rels.support_settings, rels.support_settings_pkey,
							rels.ss_org_att);
				KeyScanOpen(&walk->overrides, rels.support_overrides, rels.support_overrides_pkey,
							rels.so_org_att);
			}
			tup = KeyScanFirst(&walk->settings, org_id);
			if (tup != NULL)
				SupportRowToNode(n, tup, RelationGetDescr(walk->settings.heap), false);
			tup = KeyScanFirst(&walk->overrides, org_id);
			if (tup != NULL)
				SupportRowToNode(n, tup, RelationGetDescr(walk->overrides.heap), true);
		}
		else
		{
			ScanSupport(n, false);
			ScanSupport(n, true);
		}
		n->support_loaded = true;
	}
	return KeepOrgNode(n);
}

static OrgNode *
GetOrgNode(int64 org_id)
{
	return GetOrgNodeWalk(org_id, NULL, true);
}

/* SetChildren: the child list of p, from kids[0..n). */
static void
SetChildren(OrgNode *p, OrgNode **kids, int n)
{
	p->children = NULL;
	if (n > 0)
	{
		p->children = MemoryContextAllocHuge(OrgContext, sizeof(OrgNode *) * n);
		memcpy(p->children, kids, sizeof(OrgNode *) * n);
	}
	p->nchildren = n;
	p->children_loaded = true;
}

static int
CompareOrgNodes(const void *a, const void *b)
{
	int64		x = (*(OrgNode *const *) a)->id;
	int64		y = (*(OrgNode *const *) b)->id;

	return (x > y) - (x < y);
}

/* an index entry of a parent not asked about: past this many, descend again */
#define AP_CHILD_SKIP	32

/*
 * LoadChildren reads the child lists of the np existing orgs ps (none of
 * them loaded yet), and the rows of the children not read yet, in one
 * forward pass over orgs_parent_idx in parent order: the scan descends the
 * index once and again only where the next parent asked about is farther
 * than AP_CHILD_SKIP entries away, so that the orgs of a level of a subtree
 * cost about one index entry each, a leaf nothing more than the entry it
 * lies next to.  ps is sorted here.
 */
static void
LoadChildren(OrgNode **ps, int np, OrgWalk *walk)
{
	ChildScan  *cs = &walk->children;
	OrgNode   **kids;
	int			nkids = 0;
	int			cap = 64;
	int			k = 0;
	int			skipped = 0;
	ScanKeyData skey;
	int			i;

	if (np == 0)
		return;
	qsort(ps, np, sizeof(OrgNode *), CompareOrgNodes);
	OrgWalkStart(walk);
	for (i = 0; i < np; i++)
		OrgTouch(ps[i]->id, walk->since);
	if (!cs->open)
		ChildScanOpen(cs);
	kids = palloc(sizeof(OrgNode *) * cap);

	ScanKeyInit(&skey, 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(ps[0]->id));
	index_rescan(cs->scan, &skey, 1, NULL, 0);
	for (;;)
	{
		ItemPointer tid = index_getnext_tid(cs->scan, ForwardScanDirection);
		IndexTuple	itup;
		bool		isnull;
		int64		parent;
		int64		id;
		OrgNode    *c;
		bool		found;

		CHECK_FOR_INTERRUPTS();
		if (tid == NULL)
			break;
		itup = cs->scan->xs_itup;
		parent = DatumGetInt64(index_getattr(itup, 1, cs->scan->xs_itupdesc, &isnull));
		if (isnull)
			break;				/* roots sort last: no parent left to read */
		while (k < np && ps[k]->id < parent)
		{
			SetChildren(ps[k++], kids, nkids);
			nkids = 0;
			skipped = 0;
		}
		if (k == np)
			break;
		if (parent < ps[k]->id)
		{
			/* the child of an org not asked about */
			if (++skipped > AP_CHILD_SKIP)
			{
				ScanKeyInit(&skey, 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(ps[k]->id));
				index_rescan(cs->scan, &skey, 1, NULL, 0);
				skipped = 0;
			}
			continue;
		}

		/* a child of ps[k]: visible to the snapshot? */
		if (cs->covering &&
			VM_ALL_VISIBLE(cs->heap, ItemPointerGetBlockNumber(tid), &cs->vmbuffer))
			id = DatumGetInt64(index_getattr(itup, 2, cs->scan->xs_itupdesc, &isnull));
		else
		{
			bool		should_free;
			HeapTuple	tup;

			if (!index_fetch_heap(cs->scan, cs->slot))
				continue;
			tup = ExecFetchSlotHeapTuple(cs->slot, false, &should_free);
			id = DatumGetInt64(heap_getattr(tup, rels.org_id_att, RelationGetDescr(cs->heap), &isnull));
			/* a HOT update may have moved the org since the entry was made */
			if (DatumGetInt64(heap_getattr(tup, rels.org_parent_att, RelationGetDescr(cs->heap), &isnull)) != parent || isnull)
				continue;
		}
		c = hash_search(org_hash, &id, HASH_ENTER, &found);
		if (!found)
		{
			c->mark = 0;
			c->loaded = false;
		}
		if (!c->loaded)
		{
			c->exists = true;
			c->has_parent = true;
			c->parent_id = parent;
			c->nchildren = 0;
			c->children = NULL;
			c->children_loaded = false;
			c->support_loaded = false;
			c->has_setting = false;
			c->has_override = false;
			c->loaded = true;
		}
		OrgTouch(id, walk->since);
		if (nkids == cap)
		{
			cap *= 2;
			kids = repalloc_huge(kids, sizeof(OrgNode *) * cap);
		}
		kids[nkids++] = c;
	}
	while (k < np)
	{
		SetChildren(ps[k++], kids, nkids);
		nkids = 0;
	}
	pfree(kids);
}

/*
 * LoadAllOrgs reads the whole org table once, with child lists and support
 * rows, for support staff (any org may be open to them).  Every channel
 * counts as touched.
 */
static void
LoadAllOrgs(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	HASH_SEQ_STATUS seq;
	OrgNode    *n;
	MemoryContext old;

	if (orgs_complete)
		return;

	/* start from scratch: pointers into org_hash are not held across this */
	ResetOrgs();
	org_touched_all = true;
	rel = table_open(rels.orgs, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		int64		id = DatumGetInt64(heap_getattr(tup, rels.org_id_att, RelationGetDescr(rel), &isnull));
		bool		found;

		CHECK_FOR_INTERRUPTS();
		n = hash_search(org_hash, &id, HASH_ENTER, &found);
		FillOrgNode(n, tup, RelationGetDescr(rel));
		n->mark = 0;
		n->loaded = true;
		n->support_loaded = true;
		n->children_loaded = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	/* support settings and overrides of every org */
	ScanSupport(NULL, false);
	ScanSupport(NULL, true);

	/* child lists: count, allocate, fill */
	hash_seq_init(&seq, org_hash);
	while ((n = hash_seq_search(&seq)) != NULL)
	{
		if (n->has_parent)
		{
			OrgNode    *p = hash_search(org_hash, &n->parent_id, HASH_FIND, NULL);

			if (p)
				p->nchildren++;
		}
	}
	old = MemoryContextSwitchTo(OrgContext);
	hash_seq_init(&seq, org_hash);
	while ((n = hash_seq_search(&seq)) != NULL)
	{
		if (n->nchildren > 0)
			n->children = palloc(sizeof(OrgNode *) * n->nchildren);
		n->nchildren = 0;
	}
	MemoryContextSwitchTo(old);
	hash_seq_init(&seq, org_hash);
	while ((n = hash_seq_search(&seq)) != NULL)
	{
		if (n->has_parent)
		{
			OrgNode    *p = hash_search(org_hash, &n->parent_id, HASH_FIND, NULL);

			if (p)
				p->children[p->nchildren++] = n;
		}
	}
	orgs_complete = true;
}

/*
 * ApOrgCountEstimate: about how many orgs there are, for the planner support
 * (the share of the orgs a user sees).  A small table is counted; a larger
 * one is estimated from its size and statistics, as the planner estimates
 * any table, instead of being read.
 */
double
ApOrgCountEstimate(void)
{
	Relation	rel;
	BlockNumber blocks;
	double		result;

	ApBeginCheck();
	rel = table_open(rels.orgs, AccessShareLock);
	blocks = RelationGetNumberOfBlocks(rel);
	if (blocks <= AP_SMALL_TABLE_BLOCKS)
	{
		SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);

		result = 0;
		while (HeapTupleIsValid(systable_getnext(scan)))
			result++;
		systable_endscan(scan);
	}
	else if (rel->rd_rel->relpages > 0 && rel->rd_rel->reltuples >= 0)
		result = rel->rd_rel->reltuples / rel->rd_rel->relpages * blocks;
	else
	{
		/* never analyzed: the tuple density of a typical org row */
		result = (double) blocks * (BLCKSZ / 64);
	}
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * ApOrgIsDescendantLatest: is org_id equal to or below ancestor_id in the
 * latest committed tree (plus this transaction's own changes)?  Used by the
 * cycle check, so it bypasses the cache and reads the table every time.
 */
bool
ApOrgIsDescendantLatest(int64 org_id, int64 ancestor_id)
{
	Relation	rel;
	int64		cur = org_id;
	int64		steps = 0;
	bool		result = false;

	ApBeginCheck();
	rel = table_open(rels.orgs, AccessShareLock);
	for (;;)
	{
		SysScanDesc scan;
		ScanKeyData skey;
		HeapTuple	tup;
		bool		isnull;
		Datum		d;

		CHECK_FOR_INTERRUPTS();
		if (cur == ancestor_id)
		{
			result = true;
			break;
		}
		if (++steps > AP_MAX_CHAIN)
			ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("org tree above org " INT64_FORMAT " does not end", org_id),
						 errhint("The org tree contains a cycle, written around the cycle check (e.g. with triggers disabled).")));
		ScanKeyInit(&skey, rels.org_id_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(cur));
		scan = systable_beginscan(rel, rels.orgs_pkey, true, NULL, 1, &skey);
		tup = systable_getnext(scan);
		if (!HeapTupleIsValid(tup))
		{
			systable_endscan(scan);
			break;
		}
		d = heap_getattr(tup, rels.org_parent_att, RelationGetDescr(rel), &isnull);
		systable_endscan(scan);
		if (isnull)
			break;
		cur = DatumGetInt64(d);
	}
	table_close(rel, AccessShareLock);
	return result;
}

/* ---------- the acting user's assignments ---------- */

static void
LoadAssignments(void)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	TupleDesc	desc;
	MemoryContext old;

	if (assigns_loaded)
		return;
	if (assign_hash == NULL)
		assign_hash = MakeHash("access_policy assignments", sizeof(int64), sizeof(UserOrgAssign),
							   UserContext, false);
	if (!user_exists)
	{
		assigns_loaded = true;
		return;
	}

	rel = table_open(rels.assignments, AccessShareLock);
	desc = RelationGetDescr(rel);
	ScanKeyInit(&skey, rels.as_user_att, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(user_id));
	skey.sk_collation = DEFAULT_COLLATION_OID;
	scan = systable_beginscan(rel, rels.assignments_user_key, true, NULL, 1, &skey);
	old = MemoryContextSwitchTo(UserContext);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		int64		org = DatumGetInt64(heap_getattr(tup, rels.as_org_att, desc, &isnull));
		UserOrgAssign *ua;
		AssignRow  *row;
		bool		found;

		ua = hash_search(assign_hash, &org, HASH_ENTER, &found);
		if (!found)
		{
			ua->n = 0;
			ua->cap = 2;
			ua->rows = palloc(sizeof(AssignRow) * ua->cap);
		}
		else if (ua->n == ua->cap)
		{
			ua->cap *= 2;
			ua->rows = repalloc(ua->rows, sizeof(AssignRow) * ua->cap);
		}
		row = &ua->rows[ua->n++];
		row->role_id = DatumGetInt64(heap_getattr(tup, rels.as_role_att, desc, &isnull));
		row->enabled = DatumGetBool(heap_getattr(tup, rels.as_enabled_att, desc, &isnull));
		row->valid_from = DatumGetTimestampTz(heap_getattr(tup, rels.as_from_att, desc, &isnull));
		row->expires_at = DatumGetTimestampTz(heap_getattr(tup, rels.as_until_att, desc, &isnull));
		FoldBoundary(row->valid_from);
		FoldBoundary(row->expires_at);
	}
	MemoryContextSwitchTo(old);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	assigns_loaded = true;
}

static void
CheckMemoSize(void)
{
	if (memo_entries >= AP_MAX_MEMO_ENTRIES)
		ResetMemo();
}

/*
 * LoadAllPermissions numbers every registered permission and builds the sets
 * that each support access level gives: read = read-only permissions plus
 * those marked support_read; write = all but those marked support_never.
 */
static void
LoadAllPermissions(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	TupleDesc	desc;
	MemoryContext old;

	if (perms_all_loaded)
		return;
	rel = table_open(rels.permissions, AccessShareLock);
	desc = RelationGetDescr(rel);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	old = MemoryContextSwitchTo(RoleContext);
	support_level_perms[AP_SUPPORT_NONE] = NULL;
	support_level_perms[AP_SUPPORT_READ] = NULL;
	support_level_perms[AP_SUPPORT_WRITE] = NULL;
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		char		key[NAMEDATALEN];
		PermEntry  *e;
		bool		found;
		bool		ro = DatumGetBool(heap_getattr(tup, rels.perm_ro_att, desc, &isnull));
		bool		sread = DatumGetBool(heap_getattr(tup, rels.perm_sread_att, desc, &isnull));
		bool		snever = DatumGetBool(heap_getattr(tup, rels.perm_snever_att, desc, &isnull));

		memset(key, 0, sizeof(key));
		strlcpy(key, TextDatumGetCString(heap_getattr(tup, rels.perm_name_att, desc, &isnull)), NAMEDATALEN);
		e = hash_search(perm_hash, key, HASH_ENTER, &found);
		if (!found)
			e->index = perm_count++;
		if ((ro || sread) && !snever)
			support_level_perms[AP_SUPPORT_READ] = bms_add_member(support_level_perms[AP_SUPPORT_READ], e->index);
		if (!snever)
			support_level_perms[AP_SUPPORT_WRITE] = bms_add_member(support_level_perms[AP_SUPPORT_WRITE], e->index);
	}
	MemoryContextSwitchTo(old);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	perms_all_loaded = true;
}

/*
 * ApplySupport works out the support access level in force at an org (the
 * nearest valid setting of the org or an ancestor, else the default; the
 * nearest valid override) and, for support staff, adds what it gives.
 */
static void
ApplySupport(ApOrgMemo *m, OrgNode *n, ApOrgMemo *parent)
{
	int8		level;

	if (n->has_setting && check_now < n->setting_until)
		m->customer_level = n->setting_level;
	else
		m->customer_level = parent ? parent->customer_level : (int8) ApSupportDefaultLevel;
	if (n->has_override && check_now < n->override_until)
		m->override_level = n->override_level;
	else
		m->override_level = parent ? parent->override_level : AP_SUPPORT_NONE;

	level = Max(m->customer_level, m->override_level);
	if (user_is_support && level > AP_SUPPORT_NONE)
	{
		MemoryContext old;

		LoadAllPermissions();
		old = MemoryContextSwitchTo(MemoContext);
		m->eff_perms = bms_union(m->perms, support_level_perms[level]);
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

	if (exists && assign_hash)
		ua = hash_search(assign_hash, &org_id, HASH_FIND, NULL);
	if (ua)
	{
		MemoryContext old = MemoryContextSwitchTo(MemoContext);
		bool		copied = false;
		int			i;

		for (i = 0; i < ua->n; i++)
		{
			AssignRow  *row = &ua->rows[i];
			RoleEntry  *role;

			if (!row->enabled || !ValidNow(row->valid_from, row->expires_at))
				continue;
			role = GetRole(row->role_id);
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

	m = hash_search(org_memo_hash, &org_id, HASH_ENTER, &found);
	m->exists = exists;
	m->perms = exists ? perms : NULL;
	m->nroles = exists ? nroles : 0;
	m->roles = exists ? roles : NULL;
	m->customer_level = AP_SUPPORT_NONE;
	m->override_level = AP_SUPPORT_NONE;
	m->eff_perms = m->perms;
	if (exists)
		ApplySupport(m, GetOrgNode(org_id), parent);
	m->valid = true;
	memo_entries++;
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

	m = hash_search(org_memo_hash, &org_id, HASH_FIND, NULL);
	if (m && m->valid)
		return m;

	if (may_reset)
		CheckMemoSize();
	LoadAssignments();

	chain = palloc(sizeof(int64) * cap);
	memset(&walk, 0, sizeof(walk));
	for (;;)
	{
		OrgNode    *n;

		CHECK_FOR_INTERRUPTS();
		m = hash_search(org_memo_hash, &cur, HASH_FIND, NULL);
		if (m && m->valid)
		{
			top = m;
			break;
		}
		/* the first lookup alone needs no kept-open scans */
		n = GetOrgNodeWalk(cur, nchain == 0 ? NULL : &walk, true);
		if (!n->exists)
		{
			if (nchain == 0)
			{
				pfree(chain);
				if (memo_negative >= AP_MAX_NEGATIVE)
					return &missing_memo;
				memo_negative++;
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
	OrgWalkEnd(&walk);

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
	if (!user_exists)
		return NULL;
	return GetOrgMemo(org_id)->eff_perms;
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
	if (!user_exists)
		return NULL;
	if (user_is_support)
		LoadAllOrgs();
	LoadAssignments();

	/* a new mark for the nodes this listing visits */
	if (++org_mark == 0)
	{
		hash_seq_init(&seq, org_hash);
		while ((node = hash_seq_search(&seq)) != NULL)
			node->mark = 0;
		org_mark = 1;
	}
	result = palloc(sizeof(int64) * cap);
	stack = palloc(sizeof(OrgNode *) * scap);
	load = palloc(sizeof(OrgNode *) * scap);
	next = palloc(sizeof(OrgNode *) * ncap);
	memset(&walk, 0, sizeof(walk));

	/* the orgs of the assignments that carry the permission */
	sp = 0;
	hash_seq_init(&seq, assign_hash);
	while ((ua = hash_seq_search(&seq)) != NULL)
	{
		bool		holds = false;
		int			i;

		for (i = 0; i < ua->n && !holds; i++)
		{
			AssignRow  *row = &ua->rows[i];

			if (row->enabled && ValidNow(row->valid_from, row->expires_at) &&
				bms_is_member(perm_index, GetRole(row->role_id)->perms))
				holds = true;
		}
		if (!holds)
			continue;

		node = GetOrgNodeWalk(ua->org_id, &walk, false);
		if (!node->exists || node->mark == org_mark)
			continue;
		node->mark = org_mark;
		if (sp == scap)
		{
			scap *= 2;
			stack = repalloc_huge(stack, sizeof(OrgNode *) * scap);
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
		LoadChildren(load, nload, &walk);
		for (i = 0; i < sp; i++)
		{
			OrgNode    *p = stack[i];
			int			j;

			for (j = 0; j < p->nchildren; j++)
			{
				OrgNode    *c = p->children[j];

				if (c->mark == org_mark)
					continue;	/* below two assignments (or a cycle) */
				c->mark = org_mark;
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
	OrgWalkEnd(&walk);
	if (user_is_support)
	{
		/* support access may open any org: ask each one not listed yet */
		long		norgs = hash_get_num_entries(org_hash);
		int64	   *all = palloc_extended(sizeof(int64) * Max(norgs, 1), MCXT_ALLOC_HUGE);
		long		nall = 0;
		long		i;

		hash_seq_init(&seq, org_hash);
		while ((node = hash_seq_search(&seq)) != NULL)
			if (node->exists && node->mark != org_mark && nall < norgs)
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

Oid
ApOrgsWithFunctionOid(void)
{
	return rels.orgs_with_fn;
}

/* ---------- resources ---------- */

/* ReadGrant: a resource_grants row as a GrantRow. */
static void
ReadGrant(GrantRow *g, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;

	g->role_id = DatumGetInt64(heap_getattr(tup, rels.gr_role_att, desc, &isnull));
	g->authorized_org = DatumGetInt64(heap_getattr(tup, rels.gr_auth_att, desc, &isnull));
	g->valid_from = DatumGetTimestampTz(heap_getattr(tup, rels.gr_from_att, desc, &isnull));
	g->expires_at = DatumGetTimestampTz(heap_getattr(tup, rels.gr_until_att, desc, &isnull));
	FoldBoundary(g->valid_from);
	FoldBoundary(g->expires_at);
}

/* InternKind: the index of a resource kind name, shared by every node. */
static int16
InternKind(const char *name)
{
	PermEntry  *e;
	bool		found;
	char		key[NAMEDATALEN];

	memset(key, 0, sizeof(key));
	strlcpy(key, name, NAMEDATALEN);
	e = hash_search(kind_hash, key, HASH_ENTER, &found);
	if (!found)
	{
		if (kind_count >= PG_INT16_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many resource kinds in use"),
					 errdetail("access_policy caches at most %d distinct resource kinds.", PG_INT16_MAX)));
		if (kind_count == kind_cap)
		{
			kind_cap = kind_cap ? kind_cap * 2 : 8;
			kind_names = kind_names ? repalloc(kind_names, sizeof(char *) * kind_cap)
				: MemoryContextAlloc(ResContext, sizeof(char *) * kind_cap);
		}
		kind_names[kind_count] = MemoryContextStrdup(ResContext, key);
		e->index = kind_count++;
	}
	return (int16) e->index;
}

static void
FillResNode(ResNode *n, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		d;
	char	   *kind;

	n->exists = true;
	n->org_id = DatumGetInt64(heap_getattr(tup, rels.res_org_att, desc, &isnull));
	d = heap_getattr(tup, rels.res_parent_att, desc, &isnull);
	n->has_parent = !isnull;
	n->parent_id = isnull ? 0 : DatumGetInt64(d);
	kind = TextDatumGetCString(heap_getattr(tup, rels.res_kind_att, desc, &isnull));
	n->kind = InternKind(kind);
	pfree(kind);
	n->grants_loaded = false;
	n->ngrants = 0;
	n->grants = NULL;
	n->nchildren = 0;
	n->children = NULL;
	n->memo_epoch = 0;
	n->memo_perms = NULL;
}

static ResNode *
GetResNode(int64 id)
{
	ResNode    *n;
	bool		found;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;

	n = hash_search(res_hash, &id, HASH_FIND, NULL);
	if (n && n->loaded)
		return n;
	n = hash_search(res_hash, &id, HASH_ENTER, &found);
	n->loaded = false;

	rel = table_open(rels.resources, AccessShareLock);
	ScanKeyInit(&skey, rels.res_id_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
	scan = systable_beginscan(rel, rels.resources_pkey, true, NULL, 1, &skey);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		FillResNode(n, tup, RelationGetDescr(rel));
	else
	{
		memset(((char *) n) + sizeof(int64), 0, sizeof(ResNode) - sizeof(int64));
		n->exists = false;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (n->exists)
	{
		GrantRow   *rows = NULL;
		int			nrows = 0;
		int			cap = 0;

		rel = table_open(rels.resource_grants, AccessShareLock);
		ScanKeyInit(&skey, rels.gr_res_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(id));
		scan = systable_beginscan(rel, rels.resource_grants_resource_key, true, NULL, 1, &skey);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			if (nrows == cap)
			{
				cap = cap ? cap * 2 : 4;
				rows = rows ? repalloc(rows, sizeof(GrantRow) * cap) : palloc(sizeof(GrantRow) * cap);
			}
			ReadGrant(&rows[nrows++], tup, RelationGetDescr(rel));
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		if (nrows > 0)
		{
			n->grants = MemoryContextAlloc(ResContext, sizeof(GrantRow) * nrows);
			memcpy(n->grants, rows, sizeof(GrantRow) * nrows);
			pfree(rows);
		}
		n->ngrants = nrows;
		n->grants_loaded = true;
	}
	n->loaded = true;
	if (!n->exists)
	{
		/* one unknown id too many: not kept */
		if (res_negative >= AP_MAX_NEGATIVE)
		{
			hash_search(res_hash, &id, HASH_REMOVE, NULL);
			missing_res.id = id;
			return &missing_res;
		}
		res_negative++;
	}
	return n;
}

/*
 * LoadOrgResources reads all resources of one org and their grants at once,
 * with child lists, for the listing functions.  Grants and child lists are
 * laid out in one block each, a contiguous slice per resource.  Nodes being
 * (re)loaded are marked by loaded = grants_loaded = false until the end, so
 * an error half way leaves nothing that looks complete, and only they take
 * part (a node read earlier in this statement and since deleted does not).
 */
typedef struct OrgLoad
{
	ResNode   **filled;			/* the nodes (re)loaded by this call */
	int			nfilled;
	int			fcap;
} OrgLoad;

static void
LoadOrgResourcesInner(int64 org_id, OrgLoad *ld)
{
	ResOrgDone *done;
	bool		found;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tup;
	TupleDesc	desc;
	ResNode    *n;
	int			i;

	rel = table_open(rels.resources, AccessShareLock);
	desc = RelationGetDescr(rel);
	ScanKeyInit(&skey, rels.res_org_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(org_id));
	scan = systable_beginscan(rel, rels.resources_org_idx, true, NULL, 1, &skey);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		int64		id = DatumGetInt64(heap_getattr(tup, rels.res_id_att, desc, &isnull));

		CHECK_FOR_INTERRUPTS();
		n = hash_search(res_hash, &id, HASH_ENTER, &found);
		/* reload even if present: grants and children are rebuilt below */
		n->loaded = false;
		FillResNode(n, tup, desc);
		if (n->org_id != org_id)
			continue;
		if (ld->nfilled == ld->fcap)
		{
			ld->fcap *= 2;
			ld->filled = repalloc_huge(ld->filled, sizeof(ResNode *) * ld->fcap);
		}
		ld->filled[ld->nfilled++] = n;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

#define BEING_LOADED(x) ((x) != NULL && (x)->exists && !(x)->loaded && !(x)->grants_loaded && (x)->org_id == org_id)

	/* grants: read, counted per resource, then one block */
	{
		typedef struct PendingGrant
		{
			ResNode    *node;
			GrantRow	row;
		} PendingGrant;
		PendingGrant *pend = NULL;
		int			npend = 0;
		int			pcap = 0;
		GrantRow   *slab;
		int			off = 0;

		rel = table_open(rels.resource_grants, AccessShareLock);
		desc = RelationGetDescr(rel);
		ScanKeyInit(&skey, rels.gr_org_att, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(org_id));
		scan = systable_beginscan(rel, rels.resource_grants_org_idx, true, NULL, 1, &skey);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			int64		rid = DatumGetInt64(heap_getattr(tup, rels.gr_res_att, desc, &isnull));

			CHECK_FOR_INTERRUPTS();
			n = hash_search(res_hash, &rid, HASH_FIND, NULL);
			if (!BEING_LOADED(n))
				continue;
			if (npend == pcap)
			{
				pcap = pcap ? pcap * 2 : 64;
				pend = pend ? repalloc_huge(pend, sizeof(PendingGrant) * pcap)
					: palloc(sizeof(PendingGrant) * pcap);
			}
			pend[npend].node = n;
			ReadGrant(&pend[npend].row, tup, desc);
			npend++;
			n->ngrants++;
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);

		if (npend > 0)
		{
			slab = MemoryContextAllocHuge(ResContext, sizeof(GrantRow) * npend);
			for (i = 0; i < ld->nfilled; i++)
			{
				n = ld->filled[i];
				if (n->ngrants > 0)
				{
					n->grants = slab + off;
					off += n->ngrants;
					n->ngrants = 0;
				}
			}
			Assert(off == npend);
			for (i = 0; i < npend; i++)
			{
				n = pend[i].node;
				n->grants[n->ngrants++] = pend[i].row;
			}
			pfree(pend);
		}
	}

	/* child lists: counted per parent, then one block */
	{
		int64		total = 0;
		int64	   *slab;
		int64		off = 0;
		ResNode    *p;

		for (i = 0; i < ld->nfilled; i++)
		{
			n = ld->filled[i];
			if (!n->has_parent)
				continue;
			p = hash_search(res_hash, &n->parent_id, HASH_FIND, NULL);
			if (!BEING_LOADED(p))
				continue;
			p->nchildren++;
			total++;
		}
		if (total > 0)
		{
			slab = MemoryContextAllocHuge(ResContext, sizeof(int64) * total);
			for (i = 0; i < ld->nfilled; i++)
			{
				n = ld->filled[i];
				if (n->nchildren > 0)
				{
					n->children = slab + off;
					off += n->nchildren;
					n->nchildren = 0;
				}
			}
			Assert(off == total);
			for (i = 0; i < ld->nfilled; i++)
			{
				n = ld->filled[i];
				if (!n->has_parent)
					continue;
				p = hash_search(res_hash, &n->parent_id, HASH_FIND, NULL);
				if (!BEING_LOADED(p))
					continue;
				p->children[p->nchildren++] = n->id;
			}
		}
	}
#undef BEING_LOADED

	for (i = 0; i < ld->nfilled; i++)
	{
		ld->filled[i]->grants_loaded = true;
		ld->filled[i]->loaded = true;
	}
	done = hash_search(res_org_hash, &org_id, HASH_ENTER, &found);
	done->complete = true;
}

static void
LoadOrgResources(int64 org_id)
{
	ResOrgDone *done;
	OrgLoad    *ld;

	done = hash_search(res_org_hash, &org_id, HASH_FIND, NULL);
	if (done && done->complete)
		return;
	ld = palloc(sizeof(OrgLoad));
	ld->nfilled = 0;
	ld->fcap = 64;
	ld->filled = palloc(sizeof(ResNode *) * ld->fcap);
	PG_TRY();
	{
		LoadOrgResourcesInner(org_id, ld);
	}
	PG_CATCH();
	{
		/*
		 * Interrupted half way: the nodes stay not loaded (the next lookup
		 * reads each again) and no longer count as part of a load.
		 */
		for (int i = 0; i < ld->nfilled; i++)
			ld->filled[i]->grants_loaded = true;
		PG_RE_THROW();
	}
	PG_END_TRY();
	pfree(ld->filled);
	pfree(ld);
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
	return n->memo_epoch == res_memo_epoch;
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

		if (!ValidNow(g->valid_from, g->expires_at))
			continue;
		if (!HoldsRoleAt(g->role_id, g->authorized_org))
			continue;
		{
			MemoryContext old = MemoryContextSwitchTo(MemoContext);

			if (!copied)
			{
				perms = bms_copy(perms);
				copied = true;
			}
			perms = bms_add_members(perms, GetRole(g->role_id)->perms);
			MemoryContextSwitchTo(old);
		}
	}
	n->memo_perms = perms;
	n->memo_epoch = res_memo_epoch;
	memo_entries++;
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

	n = hash_search(res_hash, &id, HASH_FIND, NULL);
	if (n && n->loaded && ResMemoValid(n))
		return n;
	CheckMemoSize();

	chain = palloc(sizeof(int64) * cap);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		n = GetResNode(cur);
		if (!n->exists)
		{
			if (nchain == 0)
			{
				pfree(chain);
				if (n == &missing_res)
					return n;
				n->memo_perms = NULL;
				n->memo_epoch = res_memo_epoch;
				memo_entries++;
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
		n = GetResNode(chain[--nchain]);
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
	if (!user_exists)
	{
		n = GetResNode(resource_id);
		*org_id = n->exists ? n->org_id : 0;
		return NULL;
	}
	LoadAssignments();
	n = GetResMemo(resource_id);
	*org_id = n->exists ? n->org_id : 0;
	return n->memo_perms;
}

/* ---------- resource kind actions ---------- */

static void
LoadActions(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	TupleDesc	desc;

	if (actions_loaded)
		return;
	MemoryContextReset(ActionContext);
	action_hash = MakeHash("access_policy actions", sizeof(ActionKey), sizeof(ActionEntry), ActionContext, false);
	action_name_hash = MakeHash("access_policy action names", NAMEDATALEN, sizeof(ActionName), ActionContext, true);

	rel = table_open(rels.kind_actions, AccessShareLock);
	desc = RelationGetDescr(rel);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		ActionKey	key;
		ActionEntry *e;
		bool		found;
		char	   *perm;
		int			idx;
		MemoryContext old;

		memset(&key, 0, sizeof(key));
		strlcpy(key.kind, TextDatumGetCString(heap_getattr(tup, rels.ka_kind_att, desc, &isnull)), NAMEDATALEN);
		strlcpy(key.action, TextDatumGetCString(heap_getattr(tup, rels.ka_action_att, desc, &isnull)), NAMEDATALEN);
		perm = TextDatumGetCString(heap_getattr(tup, rels.ka_perm_att, desc, &isnull));
		e = hash_search(action_hash, &key, HASH_ENTER, &found);
		if (!found)
			e->needed = NULL;
		idx = ApPermissionIndex(perm, true);
		if (idx >= 0)
		{
			old = MemoryContextSwitchTo(ActionContext);
			e->needed = bms_add_member(e->needed, idx);
			MemoryContextSwitchTo(old);
		}
		hash_search(action_name_hash, key.action, HASH_ENTER, &found);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	actions_loaded = true;
}

/*
 * ApActionPermissions returns the permissions an action on this resource
 * needs, or NULL if the resource does not exist or its kind does not define
 * the action.  An action no kind defines is an error (a typo).
 */
static const Bitmapset *
ActionNeeded(const char *kind, const char *action)
{
	ActionKey	key;
	ActionEntry *e;

	memset(&key, 0, sizeof(key));
	strlcpy(key.kind, kind, NAMEDATALEN);
	strlcpy(key.action, action, NAMEDATALEN);
	e = hash_search(action_hash, &key, HASH_FIND, NULL);
	return e ? e->needed : NULL;
}

static void
CheckActionKnown(const char *action)
{
	char		key[NAMEDATALEN];

	LoadActions();
	memset(key, 0, sizeof(key));
	strlcpy(key, action, NAMEDATALEN);
	if (strlen(action) >= NAMEDATALEN || hash_search(action_name_hash, key, HASH_FIND, NULL) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("action \"%s\" is not defined for any resource kind", action),
				 errhint("Define it with access_policy.set_kind_action() or check the spelling.")));
}

const Bitmapset *
ApActionPermissions(int64 resource_id, const char *action)
{
	ResNode    *n;

	CheckActionKnown(action);
	n = GetResNode(resource_id);
	if (!n->exists)
		return NULL;
	return ActionNeeded(kind_names[n->kind], action);
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
		CheckActionKnown(action);
	root = GetResNode(root_id);
	if (!root->exists || !user_exists)
		return NULL;
	LoadAssignments();
	LoadOrgResources(root->org_id);

	result = palloc(sizeof(int64) * cap);
	stack = palloc(sizeof(Pending) * scap);
	stack[sp].id = root_id;
	stack[sp].parent = NULL;
	sp++;
	while (sp > 0)
	{
		Pending		item = stack[--sp];
		ResNode    *node = hash_search(res_hash, &item.id, HASH_FIND, NULL);
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
			const Bitmapset *needed = ActionNeeded(kind_names[node->kind], action);

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

/* ---------- statistics ---------- */

void
ApCacheStats(int64 *memory, int *orgs, int *resources, int *roles,
			 int *perms, int *memo, int64 *rebuilds)
{
	*memory = MemoryContextMemAllocated(ApTopContext, true);
	*orgs = org_hash ? (int) hash_get_num_entries(org_hash) : 0;
	*resources = res_hash ? (int) hash_get_num_entries(res_hash) : 0;
	*roles = role_hash ? (int) hash_get_num_entries(role_hash) : 0;
	*perms = perm_count;
	*memo = (int) memo_entries;
	*rebuilds = rebuild_count;
}

/* ---------- invalidation trigger ---------- */

/* ApUserBucket: the signal bucket of a user id. */
int
ApUserBucket(const char *id, int len)
{
	return (int) (hash_bytes((const unsigned char *) id, len) % AP_USER_BUCKETS);
}

/* SignalUserOf: signal the bucket of the user in column att (text) of tup. */
static void
SignalUserOf(Relation rel, HeapTuple tup, AttrNumber att)
{
	bool		isnull;
	Datum		d;
	text	   *t;

	d = heap_getattr(tup, att, RelationGetDescr(rel), &isnull);
	if (isnull)
		return;
	t = DatumGetTextPP(d);
	if (OidIsValid(rels.sig_user[0]))
		CacheInvalidateRelcacheByRelid(rels.sig_user[ApUserBucket(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t))]);
	else
		CacheInvalidateRelcache(rel);
}

/*
 * SignalOrg queues the invalidation of the channel of an org id: a relcache
 * invalidation of a number that names no relation, registered exactly as
 * for a relation's pg_class row (only its oid and relisshared are read), so
 * that it travels like every other one: to this backend at its next
 * command, to the others at commit (never on rollback), to hot standbys in
 * the commit record.  Receivers find no relcache entry to rebuild; only the
 * callback of access_policy acts on it.  Within one command, repeated
 * invalidations of one channel are sent once.
 */
static void
SignalOrg(int64 org_id)
{
	Size		hoff = MAXALIGN(SizeofHeapTupleHeader);
	HeapTupleHeader td = palloc0(hoff + sizeof(FormData_pg_class));
	HeapTupleData tup;
	Form_pg_class form;

	td->t_hoff = hoff;
	tup.t_len = hoff + sizeof(FormData_pg_class);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = RelationRelationId;
	tup.t_data = td;
	form = (Form_pg_class) GETSTRUCT(&tup);
	form->oid = AP_ORG_CHANNEL_BASE + ApOrgChannel(org_id);
	form->relisshared = false;
	CacheInvalidateRelcacheByTuple(&tup);
	pfree(td);
}

/*
 * OrgColumn: the column the trigger's argument i names, which must hold org
 * ids (bigint).
 */
static AttrNumber
OrgColumn(Relation rel, Trigger *trigger, int i)
{
	const char *col = trigger->tgargs[i];
	AttrNumber	att = attnameAttNum(rel, col, false);

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", col,
						RelationGetRelationName(rel)),
				 errdetail("Trigger \"%s\" passes it to access_policy._invalidate() as a column of org ids.",
						   trigger->tgname)));
	if (TupleDescAttr(RelationGetDescr(rel), att - 1)->atttypid != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" is not of type bigint", col,
						RelationGetRelationName(rel)),
				 errdetail("Trigger \"%s\" passes it to access_policy._invalidate() as a column of org ids.",
						   trigger->tgname)));
	return att;
}

/* SignalOrgsOf: signal the org of each argument column of tup. */
static void
SignalOrgsOf(Relation rel, Trigger *trigger, HeapTuple tup)
{
	for (int i = 0; i < trigger->tgnargs; i++)
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, OrgColumn(rel, trigger, i), RelationGetDescr(rel), &isnull);

		if (!isnull)
			SignalOrg(DatumGetInt64(d));
	}
}

/* IsPolicyTable: is relid one of the tables the cache reads? */
static bool
IsPolicyTable(Oid relid)
{
	return relid == rels.users || relid == rels.orgs || relid == rels.permissions ||
		relid == rels.roles || relid == rels.role_permissions || relid == rels.assignments ||
		relid == rels.resource_kinds || relid == rels.kind_actions || relid == rels.resources ||
		relid == rels.resource_grants || relid == rels.login_roles ||
		relid == rels.protected_tables || relid == rels.support_settings ||
		relid == rels.support_overrides;
}

/*
 * UserColumn: the column the trigger's argument names, which must hold user
 * ids (text); anything else is an error, never a misread datum.
 */
static AttrNumber
UserColumn(Relation rel, Trigger *trigger)
{
	const char *col = trigger->tgargs[0];
	AttrNumber	att = attnameAttNum(rel, col, false);

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", col,
						RelationGetRelationName(rel)),
				 errdetail("Trigger \"%s\" passes it to access_policy._invalidate() as the column of user ids.",
						   trigger->tgname)));
	if (TupleDescAttr(RelationGetDescr(rel), att - 1)->atttypid != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" is not of type text", col,
						RelationGetRelationName(rel)),
				 errdetail("Trigger \"%s\" passes it to access_policy._invalidate() as the column of user ids.",
						   trigger->tgname)));
	return att;
}

/* SignalPart: the signal relation for a whole table; InvalidOid if none. */
static Oid
SignalPart(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);

	if (relid == rels.orgs || relid == rels.support_settings || relid == rels.support_overrides)
		return rels.sig_orgs;
	if (relid == rels.permissions || relid == rels.roles || relid == rels.role_permissions)
		return rels.sig_roles;
	if (relid == rels.resources || relid == rels.resource_grants)
		return rels.sig_res;
	if (relid == rels.resource_kinds || relid == rels.kind_actions)
		return rels.sig_actions;
	if (relid == rels.login_roles)
		return rels.sig_logins;
	return InvalidOid;
}

PG_FUNCTION_INFO_V1(invalidate_trigger);

/*
 * invalidate_trigger: the cache invalidation trigger of every policy table.
 * It queues a relcache invalidation of the matching signal relation (see
 * sql/access_policy_signals.sql), delivered to this backend at its next
 * command and to every other backend (and hot standby) at commit.
 *  - as a row trigger with an argument, the column holding a user id: the
 *	  bucket of that user, for the old and the new row (users, assignments);
 *  - otherwise the table's part (and for users and assignments, every
 *	  bucket: TRUNCATE).
 * Under a 0.1.0 schema (no signal relations) it invalidates the table itself.
 * Attached anywhere else, or given a column that does not hold text, it
 * refuses with an error.
 */
Datum
invalidate_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	Oid			signal;
	HeapTuple	rettuple = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy._invalidate() must be called as a trigger")));
	rel = trigdata->tg_relation;
	if (!rels.valid || get_rel_namespace(rels.orgs) != rels.nsp)
	{
		rels.valid = false;
		ResolveRels();
	}
	if (!IsPolicyTable(RelationGetRelid(rel)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("access_policy._invalidate() cannot be fired for relation \"%s\"",
						RelationGetRelationName(rel)),
				 errdetail("Trigger \"%s\" on \"%s.%s\" fires it; it is the cache invalidation trigger of the tables of access_policy only.",
						   trigdata->tg_trigger->tgname,
						   get_namespace_name(RelationGetNamespace(rel)),
						   RelationGetRelationName(rel)),
				 errhint("Drop the trigger.")));

	/* a row trigger returns the row it was given, unchanged */
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		rettuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
			trigdata->tg_newtuple : trigdata->tg_trigtuple;

	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) && trigdata->tg_trigger->tgnargs > 0 &&
		(RelationGetRelid(rel) == rels.orgs || RelationGetRelid(rel) == rels.support_settings ||
		 RelationGetRelid(rel) == rels.support_overrides))
	{
		SignalOrgsOf(rel, trigdata->tg_trigger, trigdata->tg_trigtuple);
		if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
			SignalOrgsOf(rel, trigdata->tg_trigger, trigdata->tg_newtuple);
		PG_RETURN_POINTER(rettuple);
	}
	if (TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) && trigdata->tg_trigger->tgnargs > 0)
	{
		AttrNumber	att = UserColumn(rel, trigdata->tg_trigger);

		SignalUserOf(rel, trigdata->tg_trigtuple, att);
		if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
			SignalUserOf(rel, trigdata->tg_newtuple, att);
		PG_RETURN_POINTER(rettuple);
	}

	signal = SignalPart(rel);
	if (RelationGetRelid(rel) == rels.users || RelationGetRelid(rel) == rels.assignments)
	{
		if (OidIsValid(rels.sig_user[0]))
		{
			for (int b = 0; b < AP_USER_BUCKETS; b++)
				CacheInvalidateRelcacheByRelid(rels.sig_user[b]);
		}
		else
			CacheInvalidateRelcache(rel);
	}
	else if (OidIsValid(signal))
		CacheInvalidateRelcacheByRelid(signal);
	else
		CacheInvalidateRelcache(rel);
	PG_RETURN_POINTER(rettuple);
}
