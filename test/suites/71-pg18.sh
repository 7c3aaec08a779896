#!/usr/bin/env bash
# test/suites/71-pg18.sh -- the extension on PostgreSQL 18: build (-Werror), regress,
# isolation, TAP and the update path of every earlier release (test/pgsrc/suite.sh).
AP_PG_VERSIONS=18 exec bash test/pgsrc/suite.sh
