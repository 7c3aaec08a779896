/*-------------------------------------------------------------------------
 *
 * check.h
 *	  What the SQL-callable checks and lists (check.c) offer the planner
 *	  support: the list of orgs_with() as an array.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AP_CHECK_H
#define AP_CHECK_H

struct ArrayType;
extern struct ArrayType *ApOrgsWithArray(int perm_index);

#endif							/* AP_CHECK_H */
