// Package hwtest holds test doubles for the hw interfaces, in the style of
// periph's conntest and i2ctest: record/playback fakes that a test scripts
// with the steps it expects, and that fail the test when a call comes that
// the script does not expect, when a scripted step is never used, or when a
// delivered frame is never released. It also holds a fake Clock that moves
// only when told to.
//
// Fakes report through the testing.TB given at construction, with Errorf
// only (never FailNow), because the calls they check often come from
// goroutines other than the test's. The end-of-test checks run in
// tb.Cleanup.
package hwtest
