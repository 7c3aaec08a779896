/* sql/upgrade--0.6.0.sql -- upgrade from 0.6.0 (the start of the script; see the Makefile) */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION access_policy UPDATE" to load this file. \quit
