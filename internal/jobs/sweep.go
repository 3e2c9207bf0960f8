package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/storage"
)

// SweepArgs is the periodic clean-up: it removes what interrupted work left behind. Storage's
// temporary files are swept now; later areas add their expired rows here.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "sweep" }

// SweepAge is how old a temporary upload must be before the sweeper removes it: far longer than
// any upload takes, so it never removes a file still being written.
const SweepAge = time.Hour

// SweepWorker runs SweepArgs.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Store storage.Store
	// More are the other areas' clean-ups (expired sessions, old delivery keys …), each given the
	// time of the run.
	More []func(ctx context.Context, now time.Time) error
}

// Work implements river.Worker. Every clean-up runs even if one fails; the first error is
// returned so River retries the job.
func (w *SweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	_, err := w.Store.Sweep(ctx, SweepAge)
	now := time.Now()
	for _, f := range w.More {
		if ferr := f(ctx, now); ferr != nil && err == nil {
			err = ferr
		}
	}
	return err
}

// SweepEvery returns the periodic job that runs the sweeper every interval, and once at start.
func SweepEvery(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "sweep"})
}
