// libFuzzer's optional hooks, exported from the fuzz executables (only the -DFUZZING build compiles this file).
#if FUZZING
import CLibFuzzer

/// One mutation in four replaces a number (``NumberMutation``); the others are libFuzzer's own.
/// <https://github.com/google/fuzzing/blob/master/docs/structure-aware-fuzzing.md>
@_cdecl("LLVMFuzzerCustomMutator")
public func customMutator(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    if seed % 4 == 0,
       let mutated = NumberMutation.replacingNumber(in: Array(UnsafeBufferPointer(start: data, count: size)), seed: UInt64(seed)),
       mutated.count <= maxSize
    {
        mutated.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: mutated.count) }
        return mutated.count
    }
    return LLVMFuzzerMutate(data, size, maxSize)
}
#endif
