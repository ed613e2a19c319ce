/// The parts of a PHC string `$argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64>`.
struct PHCString: Equatable {
    let algorithm: String
    let version: Int
    let memoryKiB: UInt32
    let iterations: UInt32
    let parallelism: UInt32
    let saltLength: Int
    let hashLength: Int

    init?(_ encoded: String) {
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0].isEmpty, fields[2].hasPrefix("v="),
              let version = Int(fields[2].dropFirst(2)) else { return nil }
        var params: [Substring: UInt32] = [:]
        for pair in fields[3].split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let value = UInt32(kv[1]) else { return nil }
            params[kv[0]] = value
        }
        guard let m = params["m"], let t = params["t"], let p = params["p"] else { return nil }
        algorithm = String(fields[1])
        self.version = version
        memoryKiB = m
        iterations = t
        parallelism = p
        // Unpadded base64: 4 characters carry 3 bytes.
        saltLength = fields[4].count * 3 / 4
        hashLength = fields[5].count * 3 / 4
    }
}
