import CFFTW
import Synchronization

/// Lengths `RealFFT` accepts. Even, so the spectrum has a real Nyquist bin and FFTW's real
/// transforms apply; bounded so that every buffer is small enough to stay in cache. From 16: the
/// FIR stage's partitions are two ALSA periods long (`PartitionedConvolution`).
let realFFTLengths: ClosedRange<Int> = 16 ... 8192

/// Serialises all FFTW planner calls in the process.
///
/// FFTW's planner (plan creation and destruction) shares global state and is not thread-safe;
/// only the execute functions are. Every plan in the engine is made in an `init` and destroyed
/// in a `deinit`, so this lock is taken at set-up and tear-down only, never while audio runs.
/// It lives outside `RealFFT` because generic types cannot have static stored properties. The
/// double and single precision libraries keep separate planner state, but one lock for both
/// costs nothing at set-up and leaves nothing to reason about.
enum FFTWPlanner {
    static let lock = Mutex(())
}

/// A real-to-complex forward and complex-to-real inverse FFT of one fixed length, with the
/// spectrum in structure-of-arrays form: `length / 2 + 1` real parts and as many imaginary
/// parts, in two separate arrays, which is the layout the engine vectorises across bins.
///
/// Plans are made once, in `init`, with FFTW's guru split-array planners, and applied with the
/// new-array execute functions to the caller's buffers, so neither transform allocates, locks,
/// or dispatches through a protocol.
///
/// Why the transform goes through an interleaved scratch spectrum: FFTW only applies its SIMD
/// codelets to real transforms whose complex side is interleaved (`io == ro + 1`, stride 2) and
/// whose arrays are aligned. A truly split plan (`io` far from `ro`) runs 2–3× slower at every
/// supported length (measured with FFTW 3.3.10, AVX build), and the new-array execute functions additionally require `io − ro`
/// to be the same as at planning, which a caller's two arrays cannot promise. So the plans
/// address an aligned, interleaved scratch spectrum through the split interface (`ro = s`,
/// `io = s + 1`), and one pass over `length + 2` values moves it to or from the caller's
/// planar arrays — still about twice as fast overall as a split plan. `FFTW_UNALIGNED` is not
/// used for the same reason: it costs the SIMD path.
///
/// Alignment: FFTW requires a new array to have the same alignment (`fftw_alignment_of`) as the
/// one used for planning. Plans are made on 64-byte aligned buffers; the time-domain array the
/// caller passes is checked on every call (one integer test) and, if it is not SIMD-aligned,
/// staged through an aligned scratch buffer, so any pointer is correct and aligned ones are
/// fast. Debian's FFTW measures alignment modulo 16 bytes, so memory from
/// `UnsafeMutablePointer<T>.allocate` (16-byte aligned on Linux) takes the fast path.
///
/// Planning uses `FFTW_ESTIMATE`: it takes about a millisecond and picks the same plan on every
/// run, so the daemon starts fast and its numerical output and cost are reproducible.
/// `FFTW_MEASURE` makes 10–25 % faster plans on this class of machine but takes 50–250 ms per
/// plan, and the plan it picks depends on timing noise.
///
/// Scaling follows FFTW: `inverse(forward(x)) == length · x`. The engine folds the `1 / length`
/// into the synthesis window (see `STFTWindow`) instead of scaling each transform.
///
/// An instance owns scratch buffers that both transforms write, so it must not be used from two
/// threads at once; give each thread its own. It is deliberately not `Sendable`.
public final class RealFFT<T: EngineScalar> {
    /// Number of real samples, `n`.
    public let length: Int
    /// Number of complex bins, `n / 2 + 1`: DC through Nyquist.
    public let bins: Int

    // `fftw_plan` and `fftwf_plan` both import as `OpaquePointer`; which C API they belong to
    // is fixed by `T` (checked in `init`), so one pair serves both precisions.
    private let forwardPlan: OpaquePointer
    private let inversePlan: OpaquePointer
    /// Interleaved complex spectrum, `2 * bins` values, aligned as at planning.
    private let spectrum: UnsafeMutablePointer<T>
    /// Aligned staging for a caller's time-domain array that is not SIMD-aligned.
    private let staging: UnsafeMutablePointer<T>
    /// `fftw_alignment_of` of the planning buffers (0 for 64-byte aligned memory).
    private let plannedAlignment: Int32

    /// - Throws: `STFTError.unsupportedTransformLength` unless `length` is even and in
    ///   16…8192; `STFTError.planningFailed` if FFTW returns no plan.
    public init(length: Int) throws(STFTError) {
        // Not a `precondition`: release builds use -Ounchecked, which removes those, and another
        // scalar type would reach FFTW with pointers of the wrong width.
        guard T.self == Double.self || T.self == Float.self else {
            fatalError("RealFFT supports Float and Double only, not \(T.self)")
        }
        guard realFFTLengths.contains(length), length % 2 == 0 else {
            throw .unsupportedTransformLength(length)
        }
        let bins = length / 2 + 1
        let spectrum = Self.allocateAligned(count: 2 * bins)
        let staging = Self.allocateAligned(count: length)
        spectrum.initialize(repeating: 0, count: 2 * bins)
        staging.initialize(repeating: 0, count: length)

        let n = Int32(length)
        // Forward: real input, unit stride → complex output interleaved (stride 2 in `T`s).
        var forwardDims = fftw_iodim(n: n, is: 1, os: 2)
        // Inverse: complex input interleaved → real output, unit stride.
        var inverseDims = fftw_iodim(n: n, is: 2, os: 1)
        // ESTIMATE: see the type's documentation. The default DESTROY_INPUT for c2r is fine:
        // its input is always `spectrum`, which is rewritten before every inverse transform.
        let flags = UInt32(FFTW_ESTIMATE)

        var forward: OpaquePointer?
        var inverse: OpaquePointer?
        FFTWPlanner.lock.withLock { _ in
            if T.self == Double.self {
                let s = Self.doubles(spectrum)
                let x = Self.doubles(staging)
                forward = fftw_plan_guru_split_dft_r2c(1, &forwardDims, 0, nil, x, s, s + 1, flags)
                inverse = fftw_plan_guru_split_dft_c2r(1, &inverseDims, 0, nil, s, s + 1, x, flags)
            } else {
                let s = Self.floats(spectrum)
                let x = Self.floats(staging)
                // `fftwf_iodim` is a distinct imported type with the same layout.
                var forwardDimsF = fftwf_iodim(n: n, is: 1, os: 2)
                var inverseDimsF = fftwf_iodim(n: n, is: 2, os: 1)
                forward = fftwf_plan_guru_split_dft_r2c(1, &forwardDimsF, 0, nil, x, s, s + 1, flags)
                inverse = fftwf_plan_guru_split_dft_c2r(1, &inverseDimsF, 0, nil, s, s + 1, x, flags)
            }
        }
        guard let forward, let inverse else {
            Self.destroy(forward)
            Self.destroy(inverse)
            spectrum.deallocate()
            staging.deallocate()
            throw .planningFailed(transformLength: length)
        }

        self.length = length
        self.bins = bins
        self.forwardPlan = forward
        self.inversePlan = inverse
        self.spectrum = spectrum
        self.staging = staging
        self.plannedAlignment = Self.alignment(of: staging)
    }

    deinit {
        Self.destroy(forwardPlan)
        Self.destroy(inversePlan)
        spectrum.deallocate()
        staging.deallocate()
    }

    /// Transforms `length` real samples into `bins` complex bins, `re[f] + i·im[f]`, with
    /// FFTW's sign convention `X[f] = Σₙ x[n]·e^(−2πi·f·n/length)`.
    ///
    /// `input` is only read. `re` and `im` must not overlap `input` or each other.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func forward(_ input: UnsafePointer<T>, re: UnsafeMutablePointer<T>, im: UnsafeMutablePointer<T>) {
        var source = UnsafeMutablePointer(mutating: input)  // FFTW's r2c only reads it.
        if Self.alignment(of: source) != plannedAlignment {
            staging.update(from: input, count: length)
            source = staging
        }
        if T.self == Double.self {
            let s = Self.doubles(spectrum)
            fftw_execute_split_dft_r2c(forwardPlan, Self.doubles(source), s, s + 1)
        } else {
            let s = Self.floats(spectrum)
            fftwf_execute_split_dft_r2c(forwardPlan, Self.floats(source), s, s + 1)
        }
        let s = spectrum
        for f in 0 ..< bins {
            re[f] = s[f &* 2]
            im[f] = s[f &* 2 &+ 1]
        }
    }

    /// Transforms `bins` complex bins back into `length` real samples, unnormalised: the result
    /// is `length` times the signal that `forward` started from.
    ///
    /// The spectrum is taken to be Hermitian, so `im[0]` and `im[bins - 1]` (DC and Nyquist)
    /// are ignored. `re` and `im` are only read. `output` must not overlap them.
    @_specialize(exported: true, where T == Float)
    @_specialize(exported: true, where T == Double)
    public func inverse(re: UnsafePointer<T>, im: UnsafePointer<T>, output: UnsafeMutablePointer<T>) {
        let s = spectrum
        for f in 0 ..< bins {
            s[f &* 2] = re[f]
            s[f &* 2 &+ 1] = im[f]
        }
        let aligned = Self.alignment(of: output) == plannedAlignment
        let target = aligned ? output : staging
        if T.self == Double.self {
            let d = Self.doubles(s)
            fftw_execute_split_dft_c2r(inversePlan, d, d + 1, Self.doubles(target))
        } else {
            let d = Self.floats(s)
            fftwf_execute_split_dft_c2r(inversePlan, d, d + 1, Self.floats(target))
        }
        if !aligned {
            output.update(from: staging, count: length)
        }
    }
}

// MARK: - Memory and C-API plumbing

extension RealFFT {
    /// Memory with the alignment the plans are made for. 64 bytes satisfies every SIMD level
    /// FFTW may use (SSE2 through AVX-512) and matches a cache line. Release with `deallocate()`.
    static func allocateAligned(count: Int) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer
            .allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64)
            .bindMemory(to: T.self, capacity: count)
    }

    // The casts below are only reached on the branch where `T` is that type, so the memory is
    // already bound to it; they fold away once the method is specialised.

    @inline(__always)
    static func doubles(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Double> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self)
    }

    @inline(__always)
    static func floats(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    @inline(__always)
    static func alignment(of p: UnsafeMutablePointer<T>) -> Int32 {
        T.self == Double.self ? fftw_alignment_of(doubles(p)) : fftwf_alignment_of(floats(p))
    }

    /// Destroys a plan of `T`'s precision under the planner lock; `nil` is ignored.
    static func destroy(_ plan: OpaquePointer?) {
        guard let plan else { return }
        FFTWPlanner.lock.withLock { _ in
            if T.self == Double.self {
                fftw_destroy_plan(plan)
            } else {
                fftwf_destroy_plan(plan)
            }
        }
    }
}
