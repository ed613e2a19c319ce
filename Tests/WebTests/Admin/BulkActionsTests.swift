import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Storage
import Testing

/// Bulk actions in the console, over HTTP: a dry run, a confirmation with a reason, a background
/// job with a progress page; every row its own audited change; a failed row listed while the
/// others go on; running again repeats only the failures.
@Suite("Admin console: bulk actions")
struct BulkActionsTests {
    /// Waits for the job's page to say it has finished; returns the page.
    static func finished(_ client: AdminClient, _ jobPath: String) async throws -> APIResponse {
        var page = try await client.get(jobPath)
        for _ in 0..<150 where !page.text.contains(#"<dd id="job-state">finished</dd>"#) {
            #expect(page.text.contains(#"http-equiv="refresh""#), "a running job's page refreshes itself")
            try await Task.sleep(for: .milliseconds(200))
            page = try await client.get(jobPath)
        }
        return page
    }

    static func auditedRows(_ db: TestDatabase, job: String, action: String) async throws -> Int {
        try await db.platform.platform("test: a job's audit entries") { tx in
            try await tx.query("""
                select count(*)::int8 as n from platform.audit_log where request_id = \("bulk-job/\(job)") and action = \(action)
                """)[0].decode("n")
        }
    }

    @Test("suspend every tenant a search matches: a dry run, a reason, a job; each row audited with the job's id")
    func suspendMatching() async throws {
        try await LiveAPI.run { api, db in
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let marker = "bulk\(UInt32.random(in: 0...UInt32.max))"
            var tenants: [API.Tenant] = []
            for _ in 0..<3 { tenants.append(try await api.signUp(slug: API.uniqueSlug(marker))) }
            let list = try await admin.client.get("/admin/tenants?q=\(marker)")
            #expect(list.text.contains(#"id="bulk-tenants""#) && list.text.contains("tenant_\(tenants[0].id)"))

            let selection = ["action": "tenants.suspend", "all": "on", "filter_q": marker]
            let nothing = try await admin.client.post("/admin/bulk/preview", form: ["action": "tenants.suspend"])
            #expect(nothing.status == .unprocessableContent && nothing.text.contains("Nothing is selected"))
            let preview = try await admin.client.post("/admin/bulk/preview", form: selection)
            #expect(preview.status == .ok && preview.text.contains("This will suspend 3 tenants."), "\(preview.text)")
            #expect(tenants.allSatisfy { preview.text.contains($0.slug) })
            #expect(try await api.logInStatus(tenants[0]) == .created, "the dry run changed nothing")

            let noReason = try await admin.client.post("/admin/bulk", form: selection.merging(["reason": " "]) { $1 })
            #expect(noReason.status == .unprocessableContent)
            let started = try await admin.client.post("/admin/bulk", form: selection.merging(["reason": "Fraud ring \(marker)"]) { $1 })
            let jobPath = try #require(started.location, "\(started.status) \(started.text)")
            #expect(started.status == .seeOther && jobPath.hasPrefix("/admin/jobs/"))
            let page = try await Self.finished(admin.client, jobPath)
            #expect(page.text.contains("3 done, 0 needed nothing, 0 failed, 0 to go, of 3"), "\(page.text)")
            for tenant in tenants { #expect(try await api.logInStatus(tenant) == .unauthorized) }
            let job = String(jobPath.dropFirst("/admin/jobs/".count))
            #expect(try await Self.auditedRows(db, job: job, action: "tenant.suspended") == 3)
        }
    }

    @Test("lock ticked users: a row that fails is listed and the others go on; running again repeats only the failure")
    func failuresAndRetry() async throws {
        try await LiveAPI.run { api, db in
            let support = try await AdminClient.makeStaff(api, db, role: .support)
            let tenant = try await api.signUp()
            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
            let tenantPage = try await support.client.get("/admin/tenants/\(tenant.id)")
            #expect(tenantPage.text.contains(#"id="bulk-users""#) && !tenantPage.text.contains(#"id="bulk-tenants""#))
            let preview = try await support.client.post("/admin/bulk/preview", form: [
                "action": "users.lock", "tenant": tenant.id, "user_\(member.id)": "on", "user_\(tenant.ownerID)": "on"])
            #expect(preview.text.contains("This will lock 2 users."), "\(preview.text)")
            // Support may not suspend tenants, in bulk or not.
            let refused = try await support.client.post("/admin/bulk/preview", form: ["action": "tenants.suspend", "tenant_\(tenant.id)": "on"])
            #expect(refused.status == .forbidden)

            // A row whose user is gone by its turn (deleted after the job was queued) fails; its
            // neighbour is locked anyway.
            let jobID = UUID()
            let staffID = try #require(StaffID(support.id))
            try await db.platform.platform("test: a job with a row that will fail") { tx in
                try await tx.execute("""
                    insert into platform.bulk_jobs (job_id, action, staff_id, staff_email, reason, total)
                    values (\(jobID), 'users.lock', \(staffID), \(support.email), 'Account takeover wave', 2)
                    """)
                try await tx.execute("""
                    insert into platform.bulk_job_items (job_id, position, target_tenant_id, target_user_id, label) values
                        (\(jobID), 1, \(TenantID(tenant.id)!), \(UUID()), 'gone@example.test'),
                        (\(jobID), 2, \(TenantID(tenant.id)!), \(UserID(member.id)!), 'member')
                    """)
            }
            let jobPath = "/admin/jobs/\(jobID.uuidString.lowercased())"
            let page = try await Self.finished(support.client, jobPath)
            #expect(page.text.contains("1 done, 0 needed nothing, 1 failed, 0 to go, of 2"), "\(page.text)")
            #expect(page.text.contains("gone@example.test") && page.text.contains("There is no such user"), "\(page.text)")
            #expect(try await api.call(.get, "/v1/me", token: member.token).status == .unauthorized, "the neighbour is locked")

            let retried = try await support.client.post("\(jobPath)/retry")
            #expect(retried.redirects(to: "\(jobPath)?done=retrying"), "\(retried.status)")
            let again = try await Self.finished(support.client, jobPath)
            #expect(again.text.contains("1 done, 0 needed nothing, 1 failed, 0 to go, of 2"), "\(again.text)")
            #expect(try await Self.auditedRows(db, job: jobID.uuidString.lowercased(), action: "user.locked") == 1,
                    "the row done was not done again")
        }
    }
}
