import Foundation
import Kernel
import Storage
import Testing

@Suite("SQL building")
struct SQLTests {
    @Test("interpolated values become numbered parameters, never text")
    func valuesAreBound() {
        let name = "Robert'); drop table students;--"
        let sql: SQL = "select * from t where name = \(name) and n = \(42) and id = \(TenantID.generate())"
        #expect(sql.description == "select * from t where name = $1 and n = $2 and id = $3")
        #expect(!sql.description.contains("drop table"))
    }

    @Test("fragments keep their values and are renumbered")
    func fragmentsRenumber() {
        let filter: SQL = "status = \("active") and n > \(3)"
        let sql: SQL = "select * from t where id = \(UUID()) and \(filter) limit \(10)"
        #expect(sql.description == "select * from t where id = $1 and status = $2 and n > $3 limit $4")
        let joined: SQL = "select \(1)" + " union select \(2)"
        #expect(joined.description == "select $1 union select $2")
    }

    @Test("renumbering leaves quoted text alone")
    func renumberSkipsQuotes() {
        let fragment: SQL = "note like '$1%' and id = \(5)"
        let sql: SQL = "select \(1) where \(fragment)"
        #expect(sql.description == "select $1 where note like '$1%' and id = $2")
    }

    @Test("raw text needs the unsafeRaw spelling")
    func rawIsExplicit() {
        let column = "created_at"
        let sql: SQL = "select * from t order by \(unsafeRaw: column) limit \(5)"
        #expect(sql.description == "select * from t order by created_at limit $1")
    }

    @Test("nil binds NULL")
    func nilBindsNull() {
        let missing: String? = nil
        let sql: SQL = "update t set note = \(missing)"
        #expect(sql.description == "update t set note = $1")
    }
}

@Suite("SQL scripts")
struct SQLScriptTests {
    @Test("statements split on semicolons outside quotes, dollar quotes and comments")
    func splits() {
        let script = """
            -- a comment; with a semicolon
            create table a (note text default 'x;y');
            /* block; /* nested; */ comment */
            create function f() returns int language sql as $$ select 1; $$;
            do $body$ begin raise notice 'a;b'; end $body$;
            select "odd;name" from a where $1 = 'it''s;'
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 4)
        #expect(statements[0] == "create table a (note text default 'x;y')")
        #expect(statements[1].hasPrefix("create function f()") && statements[1].hasSuffix("$$ select 1; $$"))
        #expect(statements[2] == "do $body$ begin raise notice 'a;b'; end $body$")
        #expect(statements[3] == "select \"odd;name\" from a where $1 = 'it''s;'")
    }

    @Test("E'' strings take backslash escapes")
    func escapeStrings() {
        #expect(SQLScript.statements(in: "select E'it\\'s; x'; select 2") == ["select E'it\\'s; x'", "select 2"])
        #expect(SQLScript.statements(in: "select 'a\\'; select 2") == ["select 'a\\'", "select 2"])
    }

    @Test("empty statements and trailing whitespace disappear")
    func empties() {
        #expect(SQLScript.statements(in: " ;; \n -- only a comment\n") == [])
    }
}
