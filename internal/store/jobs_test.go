package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/partnerlab/storefront/internal/domain"
)

// twoFieldJob has its fields out of alphabetical order: River hashes a
// unique job's arguments with their keys sorted.
type twoFieldJob struct {
	Zeta  string
	Alpha int
}

func (twoFieldJob) Kind() string { return "two_field_test" }
func (twoFieldJob) JobOptions() domain.JobOptions {
	return domain.JobOptions{Unique: true, MaxAttempts: 7}
}

type plainJob struct{ N int }

func (plainJob) Kind() string { return "plain_test" }

type laterJob struct{ At time.Time }

func (laterJob) Kind() string                    { return "later_test" }
func (j laterJob) JobOptions() domain.JobOptions { return domain.JobOptions{RunAt: j.At} }

// TestPipelinedJobIsRivers: a job enqueued inside Tx.Pipeline (a plain
// insert, store/jobs.go) is the row River's InsertTx writes: River finds
// it a duplicate of the same unique job and the pipeline finds River's,
// the columns are River's, and a River worker runs it, told at once (the
// worker's poll is far longer than the test waits), also right after a
// pipeline that failed.
func TestPipelinedJobIsRivers(t *testing.T) {
	t.Parallel()
	_, st, pool := newStore(t)
	ctx := context.Background()
	enqueue := func(piped bool, job domain.Job) error {
		return st.InTx(ctx, func(tx domain.Tx) error {
			if !piped {
				return tx.Enqueue(ctx, job)
			}
			return tx.Pipeline(ctx, func(tx domain.Tx) error { return tx.Enqueue(ctx, job) })
		})
	}
	count := func(kind string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1`, kind).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	type row struct {
		Args, Metadata        string
		Queue, State          string
		Priority, MaxAttempts int
		Tags                  []string
		UniqueStates          *string
		HasKey                bool
		ScheduledSoon         bool
	}
	read := func(kind string) []row {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT args::text, metadata::text, queue, state::text, priority, max_attempts, tags,
				unique_states::text, unique_key IS NOT NULL, scheduled_at > now() - interval '1 minute'
			FROM river_job WHERE kind = $1 ORDER BY id`, kind)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			err := r.Scan(&x.Args, &x.Metadata, &x.Queue, &x.State, &x.Priority, &x.MaxAttempts, &x.Tags, &x.UniqueStates, &x.HasKey, &x.ScheduledSoon)
			return x, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	same := func(a, b row) bool {
		return a.Metadata == b.Metadata && a.Queue == b.Queue && a.State == b.State && a.Priority == b.Priority &&
			a.MaxAttempts == b.MaxAttempts && len(a.Tags) == len(b.Tags) && a.HasKey == b.HasKey && a.ScheduledSoon == b.ScheduledSoon &&
			(a.UniqueStates == nil) == (b.UniqueStates == nil) && (a.UniqueStates == nil || *a.UniqueStates == *b.UniqueStates)
	}

	// Unique jobs, both ways round, one field and two.
	for _, c := range []struct {
		name        string
		first, dup  domain.Job
		kind        string
		maxAttempts int
	}{
		{"pipeline then River", seamJob{Target: uuid.New()}, nil, "seam_test", river.MaxAttemptsDefault},
		{"River then pipeline", seamJob{Target: uuid.New()}, nil, "seam_test", river.MaxAttemptsDefault},
		{"two fields", twoFieldJob{Zeta: "z", Alpha: 3}, nil, "two_field_test", 7},
	} {
		before := count(c.kind)
		pipedFirst := c.name != "River then pipeline"
		if err := enqueue(pipedFirst, c.first); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := enqueue(!pipedFirst, c.first); err != nil {
			t.Fatalf("%s, again: %v", c.name, err)
		}
		if n := count(c.kind) - before; n != 1 {
			t.Fatalf("%s: %d jobs for one unique job; River and the pipeline disagree on its key", c.name, n)
		}
	}
	// A different argument is another job, both ways.
	if err := enqueue(true, twoFieldJob{Zeta: "z", Alpha: 4}); err != nil {
		t.Fatal(err)
	}
	if err := enqueue(false, twoFieldJob{Zeta: "y", Alpha: 3}); err != nil {
		t.Fatal(err)
	}
	rows := read("two_field_test")
	if len(rows) != 3 {
		t.Fatalf("%d two-field jobs, want 3", len(rows))
	}
	if !same(rows[0], rows[1]) || !same(rows[1], rows[2]) || rows[0].MaxAttempts != 7 || rows[0].UniqueStates == nil {
		t.Fatalf("pipelined and River's rows differ: %+v", rows)
	}
	seam := read("seam_test")
	if len(seam) != 2 || !same(seam[0], seam[1]) || seam[0].State != "available" || seam[0].MaxAttempts != river.MaxAttemptsDefault {
		t.Fatalf("seam jobs: %+v", seam)
	}
	// Not unique: no key, never skipped.
	for range 2 {
		if err := enqueue(true, plainJob{N: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := enqueue(false, plainJob{N: 1}); err != nil {
		t.Fatal(err)
	}
	plain := read("plain_test")
	if len(plain) != 3 || !same(plain[0], plain[2]) || plain[0].HasKey || plain[0].UniqueStates != nil {
		t.Fatalf("plain jobs: %+v", plain)
	}
	// A job for later is River's to schedule: refused in a pipeline, and
	// nothing of the transaction is written.
	if err := enqueue(true, laterJob{At: time.Now().Add(time.Hour)}); err == nil || count("later_test") != 0 {
		t.Fatalf("a job with RunAt in a pipeline: %v", err)
	}

	// A River worker polling every minute runs a pipelined job at once: the
	// pipeline told it. (The jobs above have no worker here.)
	if _, err := pool.Exec(ctx, `DELETE FROM river_job`); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(_ context.Context, j *river.Job[workedArgs]) error {
		done <- j.Args.N
		return nil
	}))
	worker, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}}, Workers: workers,
		FetchPollInterval: time.Minute, FetchCooldown: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := worker.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = worker.Stop(context.Background()) })
	time.Sleep(time.Second) // its listener is up, and the last notification is past jobNotifyEvery
	// A pipeline that fails takes its notification with it, and gives the
	// next insert the right to send one (else that job would wait for the
	// poll).
	boom := errors.New("boom")
	err = st.InTx(ctx, func(tx domain.Tx) error {
		return tx.Pipeline(ctx, func(tx domain.Tx) error {
			if err := tx.Enqueue(ctx, workedArgs{N: 41}); err != nil {
				return err
			}
			return boom
		})
	})
	if !errors.Is(err, boom) || count("worked_test") != 0 {
		t.Fatalf("a failed pipeline: %v, %d jobs", err, count("worked_test"))
	}
	if err := enqueue(true, workedArgs{N: 42}); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-done:
		if n != 42 {
			t.Fatalf("worked %d", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the pipelined job was not worked: the workers were not told")
	}
}

type workedArgs struct{ N int }

func (workedArgs) Kind() string { return "worked_test" }
