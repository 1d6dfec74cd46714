import Foundation
import Glibc
import Testing

@testable import BreatherDaemon

@Suite struct ResidentPagesTests {
    @Test func readsMappingsAndTheirCounts() {
        let text = """
            00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/breatherd
            Size:                328 kB
            Rss:                 300 kB
            Anonymous:             0 kB
            00651000-00652000 r--p 00051000 08:02 173521      /usr/bin/breatherd
            Rss:                   4 kB
            Anonymous:             4 kB
            00652000-00655000 rw-p 00052000 08:02 173521      /usr/bin/breatherd
            Rss:                  12 kB
            Anonymous:             0 kB
            7f0000000000-7f0000021000 rw-p 00000000 00:00 0
            Rss:                  16 kB
            Anonymous:            16 kB
            7f1000000000-7f1000001000 r--p 00000000 08:02 42          /tmp/a name with spaces
            Rss:                   4 kB
            Anonymous:             0 kB
            7fff0000-7fff2000 r-xp 00000000 00:00 0                  [vdso]
            Rss:                   8 kB
            Anonymous:             0 kB
            """
        let mappings = ResidentPages.Mapping.parse(text)
        #expect(mappings.count == 6)
        #expect(mappings[0].range == 0x40_0000..<0x45_2000)
        #expect(mappings[0].residentKiB == 300)
        #expect(mappings[4].path == "/tmp/a name with spaces")
        // Only read-only, private copies of files nobody wrote to: never the relocated page,
        // the writable data, the heap or the vDSO.
        #expect(mappings.map(\.isCleanFileCopy) == [true, false, false, false, true, false])
    }

    /// Released pages read back the same; written pages (a writable copy, a read-only one
    /// written before it was protected) keep what was written.
    @Test func releasingKeepsEveryByte() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resident-\(getpid())").path
        let size = 64 * 1024
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }

        func map(_ protection: Int32) -> UnsafeMutableRawPointer {
            let address = mmap(nil, size, protection, MAP_PRIVATE, fd, 0)!
            #expect(address != MAP_FAILED)
            return address
        }
        let clean = map(PROT_READ)
        let written = map(PROT_READ | PROT_WRITE)
        let protectedAfterWriting = map(PROT_READ | PROT_WRITE)
        defer {
            for address in [clean, written, protectedAfterWriting] { munmap(address, size) }
        }
        var sum = 0
        for offset in stride(from: 1, to: size, by: 4096) {
            sum &+= Int(clean.load(fromByteOffset: offset, as: UInt8.self))
        }
        #expect(resident(clean) == size / 1024)
        written.storeBytes(of: 0xAB, toByteOffset: 100, as: UInt8.self)
        protectedAfterWriting.storeBytes(of: 0xCD, toByteOffset: 200, as: UInt8.self)
        mprotect(protectedAfterWriting, size, PROT_READ)

        ResidentPages.release()
        #expect(resident(clean) == 0)
        ResidentPages.release()

        #expect(Array(UnsafeRawBufferPointer(start: clean, count: size)) == bytes)
        #expect(written.load(fromByteOffset: 100, as: UInt8.self) == 0xAB)
        #expect(protectedAfterWriting.load(fromByteOffset: 200, as: UInt8.self) == 0xCD)
        #expect(sum > 0)
    }

    /// The KiB of a mapping that are mapped in, from /proc/self/smaps.
    private func resident(_ address: UnsafeMutableRawPointer) -> Int? {
        let text = ResidentPages.readFile("/proc/self/smaps") ?? ""
        let start = UInt(bitPattern: Int(bitPattern: address))
        return ResidentPages.Mapping.parse(text).first { $0.start == start }?.residentKiB
    }
}
