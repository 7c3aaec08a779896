# access_policy: PGXS build.  Minimum PostgreSQL version: 15.
EXTENSION    = access_policy
EXTVERSION   = $(shell grep default_version $(EXTENSION).control | sed -e "s/default_version[[:space:]]*=[[:space:]]*'\([^']*\)'/\1/")

MODULE_big   = access_policy
OBJS = \
	src/access_policy.o \
	src/activity.o \
	src/admin.o \
	src/actions.o \
	src/cache.o \
	src/cache_state.o \
	src/catalog.o \
	src/check.o \
	src/check_keys.o \
	src/derive.o \
	src/feed.o \
	src/guard.o \
	src/identity.o \
	src/identity_token.o \
	src/invalidate.o \
	src/invitations.o \
	src/keys.o \
	src/memo.o \
	src/orgs.o \
	src/planner_support.o \
	src/resources.o \
	src/roles.o \
	src/scan.o \
	src/support.o \
	src/tenant.o \
	src/user.o

# PGXS tracks no header dependencies (without --enable-depend): every object
# depends on every header of ours, so a changed struct rebuilds all of them.
$(OBJS): $(wildcard src/*.h)

# Install script of the newest version and the upgrade script to it are
# generated (see below); install scripts of earlier releases are frozen files.
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql sql/$(EXTENSION)--0.5.0--$(EXTVERSION).sql \
			   sql/$(EXTENSION)--0.6.0--$(EXTVERSION).sql
DATA         = sql/$(EXTENSION)--0.1.0.sql sql/$(EXTENSION)--0.2.0.sql sql/$(EXTENSION)--0.3.0.sql \
			   sql/$(EXTENSION)--0.4.0.sql sql/$(EXTENSION)--0.5.0.sql sql/$(EXTENSION)--0.6.0.sql \
			   sql/$(EXTENSION)--0.1.0--0.2.0.sql sql/$(EXTENSION)--0.2.0--0.3.0.sql \
			   sql/$(EXTENSION)--0.3.0--0.4.0.sql sql/$(EXTENSION)--0.4.0--0.5.0.sql

# Regression tests: inputs in test/sql, expected output at top level.
REGRESS      = setup identity identity_token model checks resources rls audit admin_authz explain support_access team cache comments access_graph housekeeping jwt_claims hardening hardening_identity attacks attacks_engine keys keys_ci mistakes app support_requests support_activity change_feed docs_quickstart docs_tutorial
REGRESS_OPTS = --inputdir=test
ISOLATION    = $(sort $(basename $(notdir $(wildcard test/specs/*.spec))))
# pg_isolation_regress 15 reads expected output from <outputdir>/expected or
# <inputdir>/expected only: test/expected is a link to the top-level expected/.
ISOLATION_OPTS = --inputdir=test

PG_CONFIG   ?= pg_config
PG_CPPFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers
# the version the library reports (PostgreSQL 18's PG_MODULE_MAGIC_EXT), also when PG_CPPFLAGS is given on the command line
override PG_CPPFLAGS += -DAP_VERSION='"$(EXTVERSION)"'

EXTRA_CLEAN  = $(DATA_built) results regression.diffs regression.out output_iso tmp_check

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
# the header dependency rule above comes first: without this, a plain `make`
# would build one object file only
.DEFAULT_GOAL := all

# The install script is the concatenation of one source file per concept, in
# this order; the versioned name is generated.  privileges.sql revokes
# everything from PUBLIC and grants the core on purpose; each later part
# revokes and grants its own objects at its end.  comments.sql comes last and
# documents every object (COMMENT ON), in both scripts.
#
# Versions: the install scripts of earlier releases (0.1.0 to 0.5.0) and
# the upgrade scripts between them are frozen files.  The upgrade script
# from the last release to the newest version is generated:
#   sql/upgrade--0.5.0.sql       moves the internals to the schema
#                                access_policy_internal, and drops what
#                                changed (noting the privileges granted on it)
#   REDEFINED_0_5_0 functions    their definitions, taken from the parts
#                                (sql/redefine.awk), so each is written once
#   sql/upgrade--0.5.0-post.sql  privileges of those again
#   PARTS_NEW                    parts that are new since 0.5.0
# The upgrade test (test/suites/20-upgrade.sh) compares the catalog after
# CREATE EXTENSION ... VERSION 'R' + ALTER EXTENSION ... UPDATE with a fresh
# install of the newest version, for every earlier release R.
# new since 0.5.0 (last in both scripts but for the comments)
PARTS_NEW     = $(PARTS_060) $(PARTS_070)
PARTS_060     = sql/$(EXTENSION)_requests.sql sql/$(EXTENSION)_activity.sql sql/$(EXTENSION)_feed.sql
PARTS_070     = sql/$(EXTENSION)_citus.sql
INSTALL_PARTS = sql/$(EXTENSION).sql sql/$(EXTENSION)_keys_schema.sql sql/$(EXTENSION)_privileges.sql \
				sql/$(EXTENSION)_support.sql sql/$(EXTENSION)_team.sql sql/$(EXTENSION)_signals.sql \
				sql/$(EXTENSION)_roles.sql sql/$(EXTENSION)_restore.sql sql/$(EXTENSION)_ops.sql \
				sql/$(EXTENSION)_tenant.sql sql/$(EXTENSION)_guard.sql sql/$(EXTENSION)_channels.sql \
				sql/$(EXTENSION)_keys.sql sql/$(EXTENSION)_app.sql $(PARTS_NEW) sql/$(EXTENSION)_comments.sql
sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	cat $(INSTALL_PARTS) > $@

# functions of 0.5.0 that the newest version changed (dropped first by
# sql/upgrade--0.5.0.sql), and new ones of the 0.5.0 parts
REDEFINED_0_5_0 = _drop_protection protect_table unprotect_table housekeeping
sql/$(EXTENSION)--0.5.0--$(EXTVERSION).sql: sql/upgrade--0.5.0.sql sql/upgrade--0.5.0-post.sql sql/upgrade--0.7.0-sources.sql sql/redefine.awk $(INSTALL_PARTS)
	{ cat sql/upgrade--0.5.0.sql \
	  && awk -v names="$(REDEFINED_0_5_0)" -f sql/redefine.awk $(filter-out $(PARTS_NEW),$(INSTALL_PARTS)) \
	  && cat sql/upgrade--0.5.0-post.sql $(PARTS_NEW) sql/upgrade--0.7.0-sources.sql; } > $@ || { rm -f $@; exit 1; }
# from 0.6.0: the same pattern, the functions 0.7.0 changed in the parts new
# in 0.6.0 (PARTS_060) taken from them, the parts new in 0.7.0, and the
# source rewrites shared with the update from 0.5.0
REDEFINED_0_6_0 = _record_support_activity
sql/$(EXTENSION)--0.6.0--$(EXTVERSION).sql: sql/upgrade--0.6.0.sql sql/upgrade--0.6.0-post.sql sql/redefine.awk \
		$(PARTS_060) $(PARTS_070) sql/upgrade--0.7.0-sources.sql
	{ cat sql/upgrade--0.6.0.sql \
	  && awk -v names="$(REDEFINED_0_6_0)" -f sql/redefine.awk $(PARTS_060) \
	  && cat sql/upgrade--0.6.0-post.sql $(PARTS_070) sql/upgrade--0.7.0-sources.sql; } > $@ || { rm -f $@; exit 1; }

.PHONY: test demo demo-stop bench valgrind fuzz
# The README's two commands (both work on a fresh Debian 12 machine as root).
test:
	@test/run

demo:
	@test/demo

# Stop the cluster `make demo` left running and remove its temp dir.
demo-stop:
	@test/demo stop

# Benchmark against baselines measured in the same run (BENCH_SCALE=small|full|large;
# large: 1,000,000 orgs, about 40 minutes, not in CI).
BENCH_SCALE ?= full
bench:
	@BENCH_SCALE=$(BENCH_SCALE) test/bench/run

# The regression suite against a server under Valgrind (test/valgrind/run);
# fails on any Memcheck error in our library.
valgrind:
	@test/valgrind/run

# The full randomized differential test (>= 1,000,000 checks, with
# concurrent writers) on a throwaway cluster: test/fuzz/run_full.
fuzz:
	@test/fuzz/run_full
