/* sql/access_policy_requests.sql -- support access requests (new in 0.6.0; part of the install and upgrade scripts) */

------------------------------------------------------------------------------
-- Support access requests.  A support agent (users.is_support_staff) asks for
-- access to an org; whoever may set the org's support access (support.manage
-- there or above, through a role) approves or denies it.  Approving grants
-- exactly what was asked, through set_support_access(), so the grant is
-- audited and notified like any other and its reason names the request.  A
-- request nobody answered within access_policy.support_request_lifetime
-- (72 hours) expires; one pending request per agent and org (a new one
-- replaces it); an agent never decides their own request.
------------------------------------------------------------------------------

CREATE TABLE @extschema@.support_access_requests (
	id				bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id			bigint NOT NULL REFERENCES @extschema@.orgs (id) ON DELETE CASCADE,
	agent			text NOT NULL REFERENCES @extschema@.users (id) ON DELETE CASCADE,
	level			text NOT NULL CHECK (level IN ('read', 'write')),
	reason			text NOT NULL CHECK (pg_catalog.btrim(reason) <> '' AND pg_catalog.length(reason) <= 800),
	ticket			text CHECK (pg_catalog.btrim(ticket) <> '' AND pg_catalog.length(ticket) <= 100),
	duration		text CHECK (duration IN ('permanent', '1 week', '1 month', '1 year')),
	until			timestamptz,
	requested_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	decide_by		timestamptz NOT NULL,
	status			text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'replaced')),
	decided_by		text,
	decided_at		timestamptz,
	decision_reason	text CHECK (pg_catalog.length(decision_reason) <= 1000),
	access_until	timestamptz,
	CHECK (duration IS NULL OR until IS NULL),
	CHECK ((status = 'pending') = (decided_at IS NULL)),
	CHECK ((status = 'approved') = (access_until IS NOT NULL))
);
-- one pending request per agent and org
CREATE UNIQUE INDEX support_access_requests_pending_idx ON @extschema@.support_access_requests (org_id, agent)
	WHERE status = 'pending';
CREATE INDEX support_access_requests_agent_idx ON @extschema@.support_access_requests (agent);
COMMENT ON TABLE @extschema@.support_access_requests IS
'support agents'' requests for support access to an org, and their decisions (read them through the view support_requests)';
COMMENT ON SEQUENCE @extschema@.support_access_requests_id_seq IS 'ids of support access requests (dumped with the table)';
COMMENT ON COLUMN @extschema@.support_access_requests.id IS 'the request id';
COMMENT ON COLUMN @extschema@.support_access_requests.org_id IS 'the org support asks access to';
COMMENT ON COLUMN @extschema@.support_access_requests.reason IS 'why the agent asks (required, at most 800 characters: the grant''s reason adds the request id and ticket)';
COMMENT ON COLUMN @extschema@.support_access_requests.ticket IS 'the agent''s ticket reference (optional)';
COMMENT ON COLUMN @extschema@.support_access_requests.requested_at IS 'when the agent asked';
COMMENT ON COLUMN @extschema@.support_access_requests.decided_by IS 'who approved or denied it (NULL: the system, or replaced)';
COMMENT ON COLUMN @extschema@.support_access_requests.decided_at IS 'when it was approved, denied or replaced';
COMMENT ON COLUMN @extschema@.support_access_requests.decision_reason IS 'the reason given with a denial (optional)';
COMMENT ON COLUMN @extschema@.support_access_requests.agent IS 'the support agent who asked (a user with is_support_staff)';
COMMENT ON COLUMN @extschema@.support_access_requests.level IS 'read or write';
COMMENT ON COLUMN @extschema@.support_access_requests.duration IS 'the access asked for: a preset of set_support_access (''1 week'', ''1 month'', ''1 year'', ''permanent''), counted from the approval; or NULL with until';
COMMENT ON COLUMN @extschema@.support_access_requests.until IS 'the access asked for: until this time; or NULL with duration';
COMMENT ON COLUMN @extschema@.support_access_requests.decide_by IS 'a request still pending then has expired (requested_at + access_policy.support_request_lifetime)';
COMMENT ON COLUMN @extschema@.support_access_requests.status IS 'pending, approved, denied, or replaced (by a newer request of the same agent for the same org); a pending request past decide_by has expired';
COMMENT ON COLUMN @extschema@.support_access_requests.access_until IS 'approved: the end time of the support access granted';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.support_access_requests', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.support_access_requests_id_seq', '');

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON @extschema@.support_access_requests
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._audit();

CREATE FUNCTION access_policy_internal._support_request_notify()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.status = OLD.status THEN
		RETURN NULL;
	END IF;
	-- ids only, like every payload on this channel: details through the view
	PERFORM pg_notify('access_policy_support',
		json_build_object('action', CASE NEW.status WHEN 'pending' THEN 'requested'
													ELSE 'request_' || NEW.status END,
						  'org_id', NEW.org_id, 'request_id', NEW.id)::text);
	RETURN NULL;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._support_request_notify() IS
'internal: NOTIFY access_policy_support with {"action", "org_id", "request_id"} when a request is made or decided (details through the view support_requests)';

CREATE TRIGGER notify AFTER INSERT OR UPDATE ON @extschema@.support_access_requests
	FOR EACH ROW EXECUTE FUNCTION access_policy_internal._support_request_notify();

CREATE FUNCTION @extschema@.request_support_access(org_id bigint, level text, reason text,
												   duration text DEFAULT NULL, until timestamptz DEFAULT NULL,
												   ticket text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	me text := @extschema@.current_user_id();
	lifetime interval;
	new_id bigint;
BEGIN
	IF me IS NULL OR NOT EXISTS (SELECT 1 FROM @extschema@.users u WHERE u.id = me) THEN
		PERFORM access_policy_internal._refuse_no_user();
	END IF;
	PERFORM FROM @extschema@.users u WHERE u.id = me AND u.is_support_staff;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'only support staff may request support access'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = pg_catalog.format('User "%s" is not support staff.', me);
	END IF;
	IF level IS NULL OR level NOT IN ('read', 'write') THEN
		RAISE EXCEPTION 'unknown support access level "%"', level
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Request ''read'' or ''write''.';
	END IF;
	IF btrim(COALESCE(reason, '')) = '' THEN
		RAISE EXCEPTION 'a reason is required to request support access'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Say why you need access, e.g. the customer''s ticket.';
	END IF;
	IF length(reason) > 800 THEN
		RAISE EXCEPTION 'reason is too long' USING ERRCODE = 'invalid_parameter_value',
			DETAIL = 'The reason of a request has at most 800 characters.';
	END IF;
	IF btrim(ticket) = '' OR length(ticket) > 100 THEN
		RAISE EXCEPTION 'invalid ticket "%"', ticket USING ERRCODE = 'invalid_parameter_value',
			DETAIL = 'A ticket is a non-empty reference of at most 100 characters, or NULL.';
	END IF;
	PERFORM access_policy_internal._check_preset(duration);
	-- the same rules as set_support_access(): either one, an end time in the future
	PERFORM access_policy_internal._support_expiry(duration, until);
	PERFORM access_policy_internal._org_exists(org_id);

	-- a lifetime in seconds, not calendar days (as invitations)
	lifetime := interval '1 second'
		* extract(epoch FROM current_setting('access_policy.support_request_lifetime')::interval);
	-- the agent's pending request for the org is replaced
	UPDATE @extschema@.support_access_requests r
	   SET status = 'replaced', decided_at = statement_timestamp()
	 WHERE r.org_id = request_support_access.org_id AND r.agent = me AND r.status = 'pending';
	INSERT INTO @extschema@.support_access_requests (org_id, agent, level, reason, ticket, duration, until,
													 requested_at, decide_by)
	VALUES (request_support_access.org_id, me, request_support_access.level, request_support_access.reason,
			request_support_access.ticket, request_support_access.duration, request_support_access.until,
			statement_timestamp(), statement_timestamp() + lifetime)
	RETURNING id INTO new_id;
	RETURN new_id;
EXCEPTION
	WHEN unique_violation THEN
		RAISE EXCEPTION 'another request of "%" for org % was made at the same time', me, org_id
			USING ERRCODE = 'serialization_failure',
				  HINT = 'Try again: the new request will replace it.';
END;
$$;
COMMENT ON FUNCTION @extschema@.request_support_access(bigint, text, text, text, timestamptz, text) IS
'a support agent (is_support_staff) asks for support access to an org: level read or write, a reason (required), the access asked for (duration preset or an end time in until, as set_support_access), a ticket reference; replaces the agent''s pending request for the org; returns the request id.  It expires unanswered after access_policy.support_request_lifetime';

CREATE FUNCTION access_policy_internal._lock_support_request(request_id bigint)
RETURNS @extschema@.support_access_requests
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r @extschema@.support_access_requests%ROWTYPE;
	me text := @extschema@.current_user_id();
BEGIN
	SELECT * INTO r FROM @extschema@.support_access_requests q WHERE q.id = request_id FOR UPDATE;
	-- permission before existence: an unknown request is refused like one of a foreign org
	PERFORM access_policy_internal._require(r.org_id, 'support.manage');
	IF r.agent = me THEN
		RAISE EXCEPTION 'support staff cannot decide their own request'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = pg_catalog.format('Request %s was made by "%s".', r.id, me),
				  HINT = 'Another person who may set the org''s support access decides it.';
	END IF;
	IF r.status <> 'pending' THEN
		RAISE EXCEPTION 'support request % was already %', r.id, r.status
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF r.decide_by <= statement_timestamp() THEN
		RAISE EXCEPTION 'support request % expired unanswered', r.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('It could be decided until %s.', r.decide_by),
				  HINT = 'The agent may request access again.';
	END IF;
	RETURN r;
END;
$$;
COMMENT ON FUNCTION access_policy_internal._lock_support_request(bigint) IS
'internal: locks a pending, unexpired support request the acting user may decide (support.manage at its org, not its agent)';

CREATE FUNCTION @extschema@.approve_support_request(request_id bigint)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r @extschema@.support_access_requests%ROWTYPE;
	ends timestamptz;
BEGIN
	r := access_policy_internal._lock_support_request(request_id);
	-- exactly what was asked, through the path every grant takes (checks,
	-- audit, notification); its reason names the request
	ends := @extschema@.set_support_access(r.org_id, r.level,
		r.reason || ' (support request ' || r.id || COALESCE(', ticket ' || r.ticket, '') || ')',
		r.duration, r.until);
	UPDATE @extschema@.support_access_requests q
	   SET status = 'approved', decided_by = @extschema@.current_user_id(), decided_at = statement_timestamp(),
		   access_until = ends
	 WHERE q.id = r.id;
	RETURN ends;
END;
$$;
COMMENT ON FUNCTION @extschema@.approve_support_request(bigint) IS
'approve a pending support request (support.manage at its org, not its own agent): sets the org''s support access to the level and duration asked for, with set_support_access(); returns the end time of the access';

CREATE FUNCTION @extschema@.deny_support_request(request_id bigint, reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r @extschema@.support_access_requests%ROWTYPE;
BEGIN
	IF length(reason) > 1000 THEN
		RAISE EXCEPTION 'reason is too long' USING ERRCODE = 'invalid_parameter_value',
			DETAIL = 'A reason has at most 1000 characters.';
	END IF;
	r := access_policy_internal._lock_support_request(request_id);
	UPDATE @extschema@.support_access_requests q
	   SET status = 'denied', decided_by = @extschema@.current_user_id(), decided_at = statement_timestamp(),
		   decision_reason = NULLIF(btrim(deny_support_request.reason), '')
	 WHERE q.id = r.id;
END;
$$;
COMMENT ON FUNCTION @extschema@.deny_support_request(bigint, text) IS
'deny a pending support request (support.manage at its org, not its own agent), with an optional reason the agent sees';

CREATE VIEW @extschema@.support_requests WITH (security_barrier = true) AS
SELECT r.id, r.org_id, o.name AS org_name, o.key AS org_key, r.agent, u.display_name AS agent_name,
	   r.level, r.reason, r.ticket, r.duration, r.until, r.requested_at, r.decide_by,
	   CASE WHEN r.status = 'pending' AND r.decide_by <= pg_catalog.statement_timestamp() THEN 'expired'
			ELSE r.status END AS status,
	   CASE WHEN r.status = 'pending' AND r.decide_by > pg_catalog.statement_timestamp()
			THEN r.decide_by - pg_catalog.statement_timestamp() END AS time_left,
	   r.decided_by, r.decided_at, r.decision_reason, r.access_until
  FROM @extschema@.support_access_requests r
  JOIN @extschema@.orgs o ON o.id = r.org_id
  JOIN @extschema@.users u ON u.id = r.agent
 WHERE r.org_id = ANY (@extschema@.orgs_with('support.manage'))
	OR r.agent = @extschema@.current_user_id();
COMMENT ON VIEW @extschema@.support_requests IS
'support access requests the acting user may decide (support.manage at the org or above) and their own requests as an agent, with their status and the time left to decide';
COMMENT ON COLUMN @extschema@.support_requests.id IS 'the request id (approve_support_request, deny_support_request)';
COMMENT ON COLUMN @extschema@.support_requests.org_id IS 'the org support asks access to';
COMMENT ON COLUMN @extschema@.support_requests.org_name IS 'the org''s name';
COMMENT ON COLUMN @extschema@.support_requests.org_key IS 'the org''s key (NULL without one)';
COMMENT ON COLUMN @extschema@.support_requests.agent IS 'the support agent who asked';
COMMENT ON COLUMN @extschema@.support_requests.agent_name IS 'the agent''s display name';
COMMENT ON COLUMN @extschema@.support_requests.level IS 'read or write';
COMMENT ON COLUMN @extschema@.support_requests.reason IS 'why the agent asks';
COMMENT ON COLUMN @extschema@.support_requests.ticket IS 'the agent''s ticket reference';
COMMENT ON COLUMN @extschema@.support_requests.duration IS 'the access asked for, as a preset counted from the approval (or NULL: until)';
COMMENT ON COLUMN @extschema@.support_requests.until IS 'the access asked for, until this time (or NULL: duration)';
COMMENT ON COLUMN @extschema@.support_requests.requested_at IS 'when the agent asked';
COMMENT ON COLUMN @extschema@.support_requests.decide_by IS 'the request expires unanswered then';
COMMENT ON COLUMN @extschema@.support_requests.status IS 'pending, expired, approved, denied or replaced';
COMMENT ON COLUMN @extschema@.support_requests.time_left IS 'time left to decide a pending request (NULL otherwise)';
COMMENT ON COLUMN @extschema@.support_requests.decided_by IS 'who approved or denied it';
COMMENT ON COLUMN @extschema@.support_requests.decided_at IS 'when it was approved, denied or replaced';
COMMENT ON COLUMN @extschema@.support_requests.decision_reason IS 'the reason given with a denial';
COMMENT ON COLUMN @extschema@.support_requests.access_until IS 'approved: the end time of the access granted';

------------------------------------------------------------------------------
-- Privileges of this part
------------------------------------------------------------------------------

REVOKE ALL ON @extschema@.support_access_requests FROM PUBLIC;
REVOKE ALL ON FUNCTION
	access_policy_internal._support_request_notify(),
	access_policy_internal._lock_support_request(bigint),
	@extschema@.request_support_access(bigint, text, text, text, timestamptz, text),
	@extschema@.approve_support_request(bigint),
	@extschema@.deny_support_request(bigint, text)
FROM PUBLIC;
REVOKE ALL ON @extschema@.support_requests FROM PUBLIC;
-- rows filtered by the acting user's permissions, like members
GRANT SELECT ON @extschema@.support_requests TO PUBLIC;
