/*-------------------------------------------------------------------------
 *
 * actions.c
 *	  The actions of resource kinds as the cache holds them: for each kind
 *	  and action, the permissions it needs (kind_actions), read whole on
 *	  first use, and the names of all actions some kind defines.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "actions.h"
#include "cache_state.h"
#include "catalog.h"
#include "resources.h"
#include "roles.h"

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

MemoryContext ApActionContext = NULL;	/* kind actions */

static HTAB *action_hash = NULL;
static HTAB *action_name_hash = NULL;
static bool actions_loaded = false;

void
ApResetActions(void)
{
	MemoryContextReset(ApActionContext);
	action_hash = NULL;
	action_name_hash = NULL;
	actions_loaded = false;
	ApCacheNewGeneration();
}

static void
LoadActions(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	TupleDesc	desc;

	if (actions_loaded)
		return;
	MemoryContextReset(ApActionContext);
	action_hash = ApMakeHash("access_policy actions", sizeof(ActionKey), sizeof(ActionEntry), ApActionContext, false);
	action_name_hash = ApMakeHash("access_policy action names", NAMEDATALEN, sizeof(ActionName), ApActionContext, true);

	rel = table_open(ApCatalog.kind_actions, AccessShareLock);
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
		strlcpy(key.kind, TextDatumGetCString(heap_getattr(tup, ApCatalog.ka_kind_att, desc, &isnull)), NAMEDATALEN);
		strlcpy(key.action, TextDatumGetCString(heap_getattr(tup, ApCatalog.ka_action_att, desc, &isnull)), NAMEDATALEN);
		perm = TextDatumGetCString(heap_getattr(tup, ApCatalog.ka_perm_att, desc, &isnull));
		e = hash_search(action_hash, &key, HASH_ENTER, &found);
		if (!found)
			e->needed = NULL;
		idx = ApPermissionIndex(perm, true);
		if (idx >= 0)
		{
			old = MemoryContextSwitchTo(ApActionContext);
			e->needed = bms_add_member(e->needed, idx);
			MemoryContextSwitchTo(old);
		}
		hash_search(action_name_hash, key.action, HASH_ENTER, &found);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	actions_loaded = true;
}

const Bitmapset *
ApActionNeeded(const char *kind, const char *action)
{
	ActionKey	key;
	ActionEntry *e;

	memset(&key, 0, sizeof(key));
	strlcpy(key.kind, kind, NAMEDATALEN);
	strlcpy(key.action, action, NAMEDATALEN);
	e = hash_search(action_hash, &key, HASH_FIND, NULL);
	return e ? e->needed : NULL;
}

void
ApCheckActionKnown(const char *action)
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

/*
 * ApActionPermissions returns the permissions an action on this resource
 * needs, or NULL if the resource does not exist or its kind does not define
 * the action.  An action no kind defines is an error (a typo).
 */
const Bitmapset *
ApActionPermissions(int64 resource_id, const char *action)
{
	ResNode    *n;

	ApCheckActionKnown(action);
	n = ApGetResNode(resource_id);
	if (!n->exists)
		return NULL;
	return ApActionNeeded(ApKindNames[n->kind], action);
}
