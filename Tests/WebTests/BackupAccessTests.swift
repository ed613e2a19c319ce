import Foundation
@testable import KeelApp
import Storage
import Testing

/// `keel backup` and `keel restore --verify` hand PostgreSQL's tools a URL without the password
/// (a command line is readable by every local user) and the password as `PGPASSWORD`.
@Suite("Backups: the password stays off the command line")
struct BackupAccessTests {
    @Test("KEEL_BACKUP_DATABASE_URL's password goes to the environment; the tools' URLs keep every host and setting")
    func passwordInEnvironment() throws {
        let access = try BackupAccess.external(
            url: "postgres://backup:s%40cr3t@db-a:5432,db-b:5433/keel?sslmode=require&target_session_attrs=read-write")
        #expect(access.url == "postgres://backup@db-a:5432,db-b:5433/keel?sslmode=require&target_session_attrs=read-write")
        #expect(access.url(database: "keel_restore_1") == "postgres://backup@db-a:5432,db-b:5433/keel_restore_1?sslmode=require&target_session_attrs=read-write")
        #expect(access.environment == ["PGPASSWORD": "s@cr3t"])
        #expect(!access.url.contains("cr3t"))
    }

    @Test("without a password nothing is added, and a socket URL keeps its query")
    func noPassword() throws {
        let access = try BackupAccess.external(url: "postgres://postgres@/keel?host=/var/run/postgresql")
        #expect(access.url == "postgres://postgres@/keel?host=/var/run/postgresql")
        #expect(access.url(database: "scratch") == "postgres://postgres@/scratch?host=/var/run/postgresql")
        #expect(access.environment.isEmpty)
    }

    @Test("a program run with an environment sees it, added to this process's own")
    func subprocessEnvironment() throws {
        let output = try Subprocess.capture("/usr/bin/env", [], environment: ["PGPASSWORD": "from-the-environment"])
        #expect(output.split(separator: "\n").contains("PGPASSWORD=from-the-environment"))
        #expect(output.split(separator: "\n").contains { $0.hasPrefix("PATH=") })
    }
}
