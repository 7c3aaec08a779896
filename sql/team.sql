/* sql/team.sql -- team management: members, invitations, role changes (part of the install script) */
