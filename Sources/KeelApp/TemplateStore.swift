public import Foundation
public import Logging
public import TemplateEngine
import Synchronization

/// The templates of `Templates/`, read and compiled at start-up. With `reload` on (a
/// development setting), a changed, added or removed file is noticed on the next use and
/// everything is recompiled; a template that no longer compiles is logged and the last good
/// set keeps serving.
public final class TemplateStore: Sendable {
    let directory: URL
    let reload: Bool
    let logger: Logger
    private let state: Mutex<(library: TemplateLibrary, stamp: [String: Date])>

    /// Reads and compiles every `.html` and `.txt` file under `directory`; throws the first
    /// problem with its file, line and column.
    public init(directory: URL, reload: Bool = false, logger: Logger) throws {
        self.directory = directory.standardizedFileURL
        self.reload = reload
        self.logger = logger
        let (sources, stamp) = try Self.read(self.directory)
        self.state = Mutex((try TemplateLibrary(sources: sources), stamp))
    }

    /// The current templates (re-read first if reloading is on and a file changed).
    public var library: TemplateLibrary {
        guard reload else { return state.withLock { $0.library } }
        let current = state.withLock { $0 }
        guard let stamp = try? Self.stamp(directory), stamp != current.stamp else { return current.library }
        do {
            let (sources, stamp) = try Self.read(directory)
            let library = try TemplateLibrary(sources: sources)
            state.withLock { $0 = (library, stamp) }
            logger.info("templates reloaded", metadata: ["count": "\(sources.count)"])
            return library
        } catch {
            logger.error("templates not reloaded", metadata: ["error": "\(error)"])
            state.withLock { $0.stamp = stamp }  // do not retry until the files change again
            return current.library
        }
    }

    static func files(_ directory: URL) -> [String] {
        let walker = FileManager.default.enumerator(atPath: directory.path)
        var names: [String] = []
        while let name = walker?.nextObject() as? String {
            if name.hasSuffix(".html") || name.hasSuffix(".txt") { names.append(name) }
        }
        return names.sorted()
    }

    static func stamp(_ directory: URL) throws -> [String: Date] {
        var stamp: [String: Date] = [:]
        for name in files(directory) {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)
            stamp[name] = attributes[.modificationDate] as? Date ?? .distantPast
        }
        return stamp
    }

    static func read(_ directory: URL) throws -> ([String: String], [String: Date]) {
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw TemplatesMissing(path: directory.path)
        }
        let stamp = try stamp(directory)
        var sources: [String: String] = [:]
        for name in stamp.keys {
            sources[name] = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        return (sources, stamp)
    }

    struct TemplatesMissing: Error, CustomStringConvertible {
        let path: String
        var description: String { "The templates directory \(path) does not exist (set KEEL_TEMPLATES_DIR)." }
    }
}
