#!/usr/bin/ruby
# examples/drivers/rails_app.rb -- per-request identity with ActiveRecord (Rails).
#
# Every request checks a connection out of ActiveRecord's pool and runs one
# ActiveRecord::Base.transaction block whose first statement is
# access_policy.set_user(<the authenticated user>), then the request's model
# queries.  The identity is transaction-scoped, so the connection goes back
# to the pool acting as nobody.  Outside a transaction block ActiveRecord
# runs each statement by itself, and set_user() would last one statement.
#
# Standalone ActiveRecord, as Rails configures it from database.yml.
# Connection: PGHOST (a unix socket directory), PGPORT, PGDATABASE, PGUSER.
# Database: world.sql beside this.
# Run: ruby rails_app.rb (Debian: ruby-activerecord, ruby-pg).  Prints what
# each request saw; test/suites/32-drivers.sh compares it with the other
# drivers' output.

require "active_record"

# One server connection, so that the check after a request provably gets the
# connection the request used.
ActiveRecord::Base.establish_connection(
  adapter: "postgresql",
  host: ENV.fetch("PGHOST"),
  port: ENV.fetch("PGPORT"),
  database: ENV.fetch("PGDATABASE"),
  username: ENV.fetch("PGUSER"),
  pool: 1
)

class Note < ActiveRecord::Base
  # table notes; id is GENERATED ALWAYS AS IDENTITY
end

# One request: a connection from the pool for its duration, as Rails' executor
# does per request, and one transaction.
def request(&work)
  ActiveRecord::Base.connection_pool.with_connection do
    ActiveRecord::Base.transaction(&work)
  end
end

# One request of user_id: set_user() first, inside the transaction.
def as_user(user_id)
  request do
    ActiveRecord::Base.connection.execute(
      ActiveRecord::Base.sanitize_sql_array(["SELECT access_policy.set_user(?)", user_id]))
    yield
  end
end

# The request's query: how many notes exist for the acting user (row level
# security decides), and on which server connection it ran.
def count_notes
  [Note.count, ActiveRecord::Base.connection.select_value("SELECT pg_backend_pid()")]
end

# Who a connection taken from the pool acts as, outside any request.
def check_pooled_connection(what, request_pid)
  user_id, pid = ActiveRecord::Base.connection_pool.with_connection do |conn|
    conn.select_rows("SELECT access_policy.current_user_id(), pg_backend_pid()").first
  end
  if pid != request_pid
    puts "#{what} the pool gave another server connection"
  else
    puts "#{what} the pooled connection acts as #{user_id || 'nobody'}"
  end
end

n, pid = as_user("alice") { count_notes }
puts "alice sees #{n}"
n, = as_user("bob") { count_notes }
puts "bob sees #{n}"
n, = request { count_notes }
puts "nobody sees #{n}"
check_pooled_connection("after a request", pid)

begin
  as_user("alice") { Note.create!(org_id: 102, body: "written by alice") }
  puts "alice writing into bob's org: written"
rescue ActiveRecord::StatementInvalid => e
  puts "alice writing into bob's org: refused #{e.cause.result.error_field(PG::PG_DIAG_SQLSTATE)}"
end
check_pooled_connection("after a refused request", pid)
