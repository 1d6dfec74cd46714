import Foundation
import Glibc
import Testing

@testable import BreatherCore

@Suite("System layer")
struct SystemLayerTests {
    // MARK: EINTR

    @Test func aCallInterruptedTwiceIsRunAgainUntilItSucceeds() {
        var calls = 0
        let result = SystemCall.valueOrErrno { () -> Int32 in
            calls += 1
            if calls <= 2 {
                errno = EINTR
                return -1
            }
            return 42
        }
        #expect(result == .success(42))
        #expect(calls == 3)
    }

    @Test func anInterruptedCallIsNotRetriedWhenTheCallerSaysSo() {
        var calls = 0
        let result = SystemCall.valueOrErrno(retryOnInterrupt: false) { () -> Int in
            calls += 1
            errno = EINTR
            return -1
        }
        #expect(result == .failure(.interrupted))
        #expect(calls == 1)
    }

    @Test func anotherFailureIsThrownAtOnceWithItsErrno() {
        var calls = 0
        #expect(throws: Errno(EBADF)) {
            try SystemCall.retryingOnInterrupt { () -> Int32 in
                calls += 1
                return fcntl(-1, F_GETFD)
            }
        }
        #expect(calls == 1)
        #expect((try? SystemCall.retryingOnInterrupt { Int32(0) }) == 0)
    }

    @Test func aCallThatReturnsItsErrorIsRetriedWhileInterrupted() {
        var codes: [Int32] = [EINTR, EINTR, 0]
        #expect(SystemCall.returnedErrno { codes.removeFirst() } == nil)
        #expect(codes.isEmpty)
        codes = [EINTR, ETIMEDOUT]
        #expect(SystemCall.returnedErrno { codes.removeFirst() } == Errno(ETIMEDOUT))
        codes = [EINTR]
        #expect(SystemCall.returnedErrno(retryOnInterrupt: false) { codes.removeFirst() } == .interrupted)
    }

    // MARK: errno sentences

    @Test func errnoHasTheSystemsWordsAndASentenceFriendlyForm() {
        #expect(Errno(ENOENT).systemText == "No such file or directory")
        #expect(Errno(ENOENT).description == "no such file or directory")
        #expect("\(Errno(EACCES))" == "permission denied")
        #expect(Errno(ECONNREFUSED) == Errno(rawValue: ECONNREFUSED))
        #expect(Errno.wouldBlock == Errno(EWOULDBLOCK))
    }

    @Test func errnoCurrentReadsTheLastFailure() {
        #expect(open("/nonexistent/breather", O_RDONLY) == -1)
        #expect(Errno.current == .noSuchFile)
    }

    @Test func fileErrorsEndInTheLowerCasedReason() {
        let error = FileError(code: .read, path: "/x/state.json", errno: ENOENT)
        #expect(error.description == "Could not read /x/state.json: no such file or directory.")
    }

    // MARK: Unix socket addresses

    @Test func aPathTooLongForSunPathIsRefused() throws {
        #expect(UnixSocketAddress.maximumPathBytes == 107)
        let longest = "/" + String(repeating: "a", count: 106)
        #expect(try UnixSocketAddress(path: longest).path == longest)
        let tooLong = longest + "b"
        #expect(throws: UnixSocketAddress.PathTooLong(path: tooLong)) {
            try UnixSocketAddress(path: tooLong)
        }
        #expect(
            UnixSocketAddress.PathTooLong(path: tooLong).description
                == "The socket path \(tooLong) is longer than a Unix socket address allows (107 bytes).")
        // An abstract name's leading NUL counts as one of the bytes.
        #expect(throws: UnixSocketAddress.PathTooLong.self) {
            try UnixSocketAddress(pathOrAbstractName: "@" + String(repeating: "a", count: 107))
        }
    }

    @Test func theAddressLengthIsTheWholeStructureForAPathAndTheNameForAnAbstractOne() throws {
        let path = try UnixSocketAddress(pathOrAbstractName: "/run/user/1000/bus")
        #expect(!path.isAbstract)
        path.withSockAddr { address, length in
            #expect(address.pointee.sa_family == sa_family_t(AF_UNIX))
            #expect(length == socklen_t(MemoryLayout<sockaddr_un>.size))
        }
        let abstract = try UnixSocketAddress(pathOrAbstractName: "@breather-test")
        #expect(abstract.isAbstract)
        abstract.withSockAddr { address, length in
            #expect(length == socklen_t(MemoryLayout<sa_family_t>.size + "@breather-test".utf8.count))
            address.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { unix in
                withUnsafeBytes(of: unix.pointee.sun_path) { bytes in
                    #expect(bytes[0] == 0)
                    #expect(Array(bytes[1..<14]) == Array("breather-test".utf8))
                }
            }
        }
    }

    @Test func aBoundSocketAcceptsAConnectionToTheSameAddress() throws {
        try withStateTestFolder { folder in
            let address = try UnixSocketAddress(path: folder + "/pair.sock")
            let listener = try UnixSocketAddress.streamSocket()
            try address.bind(listener.rawValue)
            #expect(listen(listener.rawValue, 1) == 0)

            let client = try UnixSocketAddress.streamSocket()
            try address.connect(client.rawValue)
            let server = OwnedDescriptor(try SystemCall.retryingOnInterrupt { accept(listener.rawValue, nil, nil) })

            let sent = Array("ping\n".utf8)
            #expect(try SystemCall.retryingOnInterrupt { write(client.rawValue, sent, sent.count) } == sent.count)
            var buffer = [UInt8](repeating: 0, count: 16)
            let count = try SystemCall.retryingOnInterrupt { read(server.rawValue, &buffer, buffer.count) }
            #expect(Array(buffer[0..<count]) == sent)
        }
    }

    @Test func connectingWhereNothingListensSaysWhy() throws {
        try withStateTestFolder { folder in
            let address = try UnixSocketAddress(path: folder + "/absent.sock")
            let client = try UnixSocketAddress.streamSocket()
            #expect(throws: Errno.noSuchFile) { try address.connect(client.rawValue) }
        }
    }

    // MARK: owned descriptors

    @Test func anOwnedDescriptorClosesOnceAndNeverAgain() throws {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        let writer = OwnedDescriptor(ends[1])
        var reader: OwnedDescriptor? = OwnedDescriptor(ends[0])
        reader!.close()
        #expect(reader!.isClosed)
        #expect(reader!.rawValue == -1)
        // The reading end is gone: a write finds no reader.
        var byte: UInt8 = 1
        #expect(throws: Errno(EPIPE)) { try SystemCall.retryingOnInterrupt { write(writer.rawValue, &byte, 1) } }
        // The number is free again and usually comes back at the next open; neither a second
        // close nor the release of the owner may close that new file.
        let reused = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(reused) }
        reader!.close()
        reader = nil
        #expect(fcntl(reused, F_GETFD) != -1)
    }

    @Test func anOwnedDescriptorClosesWhenItsLastOwnerGoesUnlessGivenAway() throws {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        let writer = OwnedDescriptor(ends[1])
        var reader: OwnedDescriptor? = OwnedDescriptor(ends[0])
        #expect(reader?.isClosed == false)
        reader = nil
        var byte: UInt8 = 1
        #expect(throws: Errno(EPIPE)) { try SystemCall.retryingOnInterrupt { write(writer.rawValue, &byte, 1) } }

        let given = OwnedDescriptor(open("/dev/null", O_RDONLY | O_CLOEXEC))
        let fd = given.release()
        #expect(given.isClosed)
        #expect(fcntl(fd, F_GETFD) != -1)
        close(fd)
    }

    // MARK: secret files

    @Test func aSecretFileMustBeOpenToItsOwnerOnly() throws {
        #expect(SecretFileMode.isPrivate(0o600))
        #expect(SecretFileMode.isPrivate(0o400))
        #expect(SecretFileMode.isPrivate(0o700))
        #expect(!SecretFileMode.isPrivate(0o640))
        #expect(!SecretFileMode.isPrivate(0o604))
        #expect(!SecretFileMode.isPrivate(0o601))
        try withStateTestFolder { folder in
            let path = folder + "/token"
            try AtomicFile.write(Array("secret\n".utf8), to: path, mode: 0o600)
            #expect(SecretFileMode(path: path) == .private)
            #expect(chmod(path, 0o644) == 0)
            #expect(SecretFileMode(path: path) == .openToOthers(mode: 0o644))
            #expect(SecretFileMode(path: folder + "/missing") == .unreadable(.noSuchFile))
        }
    }
}
