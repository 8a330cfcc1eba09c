/// Hands the filter banks from the family that learns them to the output stage that applies them
/// (`TripleBuffer`: wait-free on both sides, never a half-written bank).
///
/// Today family and stage run on one thread, one after the other, so the stage always gets the
/// bank just written; the exchange is what lets a stage run per ALSA period on another thread than
/// the estimator without changing either.
typealias FilterExchange<T: EngineScalar> = TripleBuffer<SeparationFilters<T>>
