#!/usr/bin/env bash
# test/suites/70-pg17.sh -- the extension on PostgreSQL 17: build (-Werror), regress,
# isolation, TAP and the update path of every earlier release (test/pgsrc/suite.sh).
AP_PG_VERSIONS=17 exec bash test/pgsrc/suite.sh
