import Foundation

/// The data-cache sizes of the CPU the program runs on, in bytes, for kernels that block their loops
/// (`SignLookupMatrix.products`). Read once: from `sysconf` where the C library knows them, else from
/// Linux's /sys/devices/system/cpu/cpu0/cache, else common sizes (32 KB and 512 KB). Blocking by these
/// sizes changes the order of exact integer sums only, so no result depends on them.
enum CacheSizes {
    /// The level-1 data cache of one core.
    static let level1 = query(level: 1, fallback: 32 << 10)
    /// The level-2 cache of one core.
    static let level2 = query(level: 2, fallback: 512 << 10)

    private static func query(level: Int, fallback: Int) -> Int {
        #if os(Linux)
        let name = level == 1 ? Int32(_SC_LEVEL1_DCACHE_SIZE) : Int32(_SC_LEVEL2_CACHE_SIZE)
        let reported = sysconf(name)
        if reported > 0 { return reported }
        #endif
        return sysfs(level: level) ?? fallback
    }

    /// The size of the first cache of `level` that holds data, from /sys (e.g. "32K").
    private static func sysfs(level: Int) -> Int? {
        let root = "/sys/devices/system/cpu/cpu0/cache"
        for index in 0..<8 {
            let directory = "\(root)/index\(index)"
            func read(_ name: String) -> String? {
                (try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let found = read("level").flatMap(Int.init), found == level,
                  read("type") != "Instruction", let size = read("size") else { continue }
            let unit: Int = size.hasSuffix("K") ? 1 << 10 : size.hasSuffix("M") ? 1 << 20 : 1
            if let value = Int(size.trimmingCharacters(in: CharacterSet.decimalDigits.inverted)) {
                return value * unit
            }
        }
        return nil
    }
}
