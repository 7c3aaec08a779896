# access_policy: PGXS build.  Minimum PostgreSQL version: 15.
EXTENSION    = access_policy
EXTVERSION   = $(shell grep default_version $(EXTENSION).control | sed -e "s/default_version[[:space:]]*=[[:space:]]*'\([^']*\)'/\1/")

MODULE_big   = access_policy
OBJS = \
	src/access_policy.o \
	src/cache.o \
	src/check.o \
	src/identity.o \
	src/invitations.o \
	src/planner_support.o \
	src/support.o

DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA         = $(wildcard sql/$(EXTENSION)--*--*.sql)

# Regression tests: inputs in test/sql, expected output at top level.
REGRESS      = setup identity model checks resources rls audit admin_authz explain support_access team
REGRESS_OPTS = --inputdir=test
ISOLATION    = $(sort $(basename $(notdir $(wildcard test/specs/*.spec))))
# pg_isolation_regress 15 reads expected output from <outputdir>/expected or
# <inputdir>/expected only: test/expected is a link to the top-level expected/.
ISOLATION_OPTS = --inputdir=test

PG_CONFIG   ?= pg_config
PG_CPPFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

EXTRA_CLEAN  = sql/$(EXTENSION)--$(EXTVERSION).sql results regression.diffs regression.out output_iso tmp_check

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The install script is the concatenation of one source file per concept, in
# this order; the versioned name is generated.  privileges.sql revokes
# everything from PUBLIC and grants the core on purpose; each later part
# revokes and grants its own objects at its end.
INSTALL_PARTS = sql/$(EXTENSION).sql sql/$(EXTENSION)_privileges.sql sql/$(EXTENSION)_support.sql sql/$(EXTENSION)_team.sql
sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	cat $(INSTALL_PARTS) > $@

.PHONY: test demo bench
# The README's two commands (both work on a fresh Debian 12 machine as root).
test:
	@test/run

demo:
	@test/demo

# Benchmark against baselines measured in the same run (BENCH_SCALE=small|full).
BENCH_SCALE ?= full
bench:
	@BENCH_SCALE=$(BENCH_SCALE) test/bench/run
