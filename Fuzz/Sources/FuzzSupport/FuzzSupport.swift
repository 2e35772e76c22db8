public import FlagConfig
public import FlagEngine

/// What every fuzz target shares: the hand-over to libFuzzer's driver and the shipped config.
public enum FuzzSupport {
    /// libFuzzer's per-input callback.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>, Int) -> Int32

    /// Runs libFuzzer's driver on `testOneInput`. SwiftPM links an executable's entry as `<Target>_main` (not
    /// `main`, which libFuzzer would provide), so each target defines that symbol and calls this.
    public static func run(
        _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ testOneInput: TestOneInput
    ) -> Int32 {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, testOneInput)
    }

    /// The shipped config in production, loaded once (make fuzz runs from the repository root).
    public static let shippedFlagSet: FlagSet = {
        do {
            return try FlagConfigLoader.load(path: "config/feature_flags.yaml", environment: "production").flagSet
        } catch {
            fatalError("fuzz targets run from the repository root, beside config/feature_flags.yaml: \(error)")
        }
    }()
}

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzSupport.TestOneInput
) -> Int32
