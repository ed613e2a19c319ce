import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

@Suite("Instance registry: the live count that divides rate limits")
struct InstanceRegistryTests {
    @Test("instances of one group count each other, another group is apart, and one that leaves stops counting")
    func countsItsGroup() async throws {
        let db = try await TestDatabase.shared()
        let group = "registry-\(UUID().uuidString)"
        let first = InstanceRegistry(platform: db.platform, group: group, logger: TestDatabase.logger)
        let second = InstanceRegistry(platform: db.platform, group: group, logger: TestDatabase.logger)
        let stranger = InstanceRegistry(platform: db.platform, group: "\(group)-other", logger: TestDatabase.logger)
        #expect(first.liveInstances == 1, "before its first heartbeat an instance counts itself alone")

        #expect(try await first.heartbeat() == 1)
        #expect(try await second.heartbeat() == 2)
        #expect(try await stranger.heartbeat() == 1)
        #expect(try await first.heartbeat() == 2)
        #expect(first.liveInstances == 2)

        try await second.leave()
        #expect(try await first.heartbeat() == 1)
        try await first.leave()
        try await stranger.leave()
    }

    @Test("an instance whose heartbeat stopped stops counting once its row is older than the expiry")
    func silentInstanceExpires() async throws {
        let db = try await TestDatabase.shared()
        let group = "registry-\(UUID().uuidString)"
        let survivor = InstanceRegistry(platform: db.platform, group: group, logger: TestDatabase.logger)
        let dead = InstanceRegistry(platform: db.platform, group: group, logger: TestDatabase.logger)
        try await dead.heartbeat()
        #expect(try await survivor.heartbeat() == 2)
        // The database's clock decides (instances on different hosts share only it), so the dead
        // instance's last heartbeat is moved back there: 10 s ago it still counts, 20 s ago not (expiry 15 s).
        for (age, live) in [(10, 2), (20, 1)] {
            try await db.platform.platform("test") { tx in
                try await tx.execute("""
                    update platform.instances set seen_at = clock_timestamp() - make_interval(secs => \(Double(age)))
                    where instance_id = \(dead.id)
                    """)
            }
            #expect(try await survivor.heartbeat() == live, "last heartbeat \(age) s ago")
        }
        let samples = try await survivor.samples()
        #expect(samples.map(\.name) == ["keel_instances_live"])
        #expect(samples.first?.value == 1)
        try await survivor.leave()
        try await dead.leave()
    }
}
