/// What the binary-weight message-passing solvers need of a BP engine, whatever its pattern type: the
/// engine's `MessageBuffers` (messages, pattern fields c_i, external fields e_i), one iteration and the
/// Bethe free entropy.
protocol BinaryBP: AnyObject {
    var buffers: MessageBuffers { get }
    /// One iteration; returns the largest change of a message.
    func iterate(sequential: Bool, generator: Generator) -> Double
    /// The Bethe free entropy per variable at the current messages.
    func freeEntropy() -> Double
}

extension BinaryBP {
    /// Number of variables.
    var n: Int { buffers.variables }

    /// Pattern fields c_i (without the external field).
    var cavity: [Double] {
        let buffers = self.buffers
        return Array(UnsafeBufferPointer(start: buffers.cavity, count: buffers.variables))
    }

    /// External fields e_i.
    var external: [Double] {
        get {
            let buffers = self.buffers
            return Array(UnsafeBufferPointer(start: buffers.external, count: buffers.variables))
        }
        set {
            let buffers = self.buffers
            precondition(newValue.count == buffers.variables)
            newValue.withUnsafeBufferPointer { buffers.external.update(from: $0.baseAddress!, count: $0.count) }
        }
    }

    /// Total fields h_i = c_i + e_i.
    var fields: [Double] {
        let buffers = self.buffers
        return (0..<buffers.variables).map { buffers.cavity[$0] + buffers.external[$0] }
    }
}

