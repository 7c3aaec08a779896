/* sql/access_policy_comments.sql -- COMMENT ON every object of the extension (last part of the install and upgrade scripts) */
