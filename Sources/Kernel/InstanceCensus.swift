/// How many Keel processes serve this deployment right now, as this process last saw it: what
/// a per-process limit divides by so that N instances together hold one global limit.
public protocol InstanceCensus: Sendable {
    /// At least 1 (this process).
    var liveInstances: Int { get }
}

/// A process that believes it is alone: the census of tests and tools that run no heartbeat.
public struct SingleInstance: InstanceCensus {
    public init() {}
    public var liveInstances: Int { 1 }
}
