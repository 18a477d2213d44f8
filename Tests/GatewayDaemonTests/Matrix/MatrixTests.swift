import Testing

/// Every Matrix suite, one test at a time: each of the tests that start a Synapse of their own (an outage, a rate
/// limit, the black box, the conformance server) costs ~1.5 s of both cores to start a Python homeserver; started all
/// at once beside the rest of the suite they starved its tests with 1 s and 10 s deadlines (seen in a full run).
/// Serialized, the Matrix tests take ~1 minute of wall time, alongside the rest.
@Suite("Matrix", .serialized)
enum MatrixTests {}
