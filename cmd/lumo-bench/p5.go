package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
	"github.com/lumoworkflows/lumo/segments"
)

const p5TargetP50 = 200 * time.Millisecond

// p5Definition is P5's segment: three conditions across two groups, the shape of a
// marketer's "recent VIPs, or anyone on the premium plan".
var p5Definition = segments.Definition{Groups: []segments.Group{
	{Conditions: []segments.Condition{
		{Property: segments.PropTag, Op: segments.OpEq, Value: json.RawMessage(`"vip"`)},
		{Property: segments.PropFriendAddedAt, Op: segments.OpWithinDays, Value: json.RawMessage(`180`)},
	}},
	{Conditions: []segments.Condition{
		{Property: segments.PropField + "plan", Op: segments.OpEq, Value: json.RawMessage(`"premium"`)},
	}},
}}

// p5Result is a segment count over a large workspace on PostgreSQL.
type p5Result struct {
	friends, friendTags int64
	members             int64
	seedTook            time.Duration
	// first is the first count after seeding; counts the measured ones after warm-up.
	first  time.Duration
	counts sample
	warmup int
	// before is the same count the way the code before this benchmark ran it (groups ORed
	// in one WHERE, JIT as the server decides), a few times.
	before sample
	// beforeJIT is what JIT compilation took of one such count, and beforeExecution
	// the whole of it, by EXPLAIN ANALYZE; zero when the server compiled nothing.
	beforeJIT, beforeExecution time.Duration
	plan                       []string
	// load is how busy the machine was while the counts were measured.
	load load
	// server describes the PostgreSQL the counts ran on.
	server  string
	heap    int64 // bytes of the friends table
	buffers string
	elapsed time.Duration
}

func (r *p5Result) met() bool { return r.counts.p50() <= p5TargetP50 }

func (r *p5Result) summary() string {
	return fmt.Sprintf("P5 segment count over %d friends (%d members): p50 %s, p99 %s (target p50 ≤ %s: %s); first %s; before: p50 %s",
		r.friends, r.members, ms(r.counts.p50()), ms(r.counts.p99()), ms(p5TargetP50), verdict(r.met()), ms(r.first), ms(r.before.p50()))
}

// runP5 creates a PostgreSQL database of its own on opts.postgresURL's server, migrates
// it, seeds opts.segmentFriends friends with tags and fields, counts p5Definition, and drops
// the database.
func runP5(ctx context.Context, opts options) (_ *p5Result, err error) {
	began := time.Now()
	r := &p5Result{warmup: opts.segmentWarmup}
	// Slow statements (seeding is nothing but) are logged to a file, not the terminal.
	logFile, err := os.Create(filepath.Join(opts.workDir, "lumo-bench-p5.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	log := slog.New(slog.NewJSONHandler(logFile, nil))
	db, drop, err := createBenchDatabase(ctx, opts.postgresURL, log)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, drop()) }()
	if _, err := db.MigrateUp(ctx); err != nil {
		return nil, err
	}
	key, err := secrets.GenerateKey()
	if err != nil {
		return nil, err
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		return nil, err
	}
	store := models.NewStore(db.DB, box)
	ws, _, err := store.CreateWorkspace(ctx, "bench segments")
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}

	seedStarted := time.Now()
	if err := seedSegmentFriends(ctx, store, ws.ID, opts.segmentFriends); err != nil {
		return nil, err
	}
	r.seedTook = time.Since(seedStarted)
	if err := db.Raw("SELECT count(*) FROM friend_tags").Scan(&r.friendTags).Error; err != nil {
		return nil, err
	}
	r.friends = int64(opts.segmentFriends)
	fmt.Printf("  P5 seeded %d friends, %d tags on them, in %s\n", r.friends, r.friendTags, r.seedTook.Round(100*time.Millisecond))

	count := func() (int64, time.Duration, error) {
		start := time.Now()
		n, err := store.CountSegment(ctx, ws.ID, p5Definition)
		return n, time.Since(start), err
	}
	if r.members, r.first, err = count(); err != nil {
		return nil, err
	}
	// The count must be the segment's: the ORed WHERE that IsSegmentMember and the
	// recipients' pages use answers the same, however slowly.
	for range opts.segmentBeforeRuns {
		var n int64
		start := time.Now()
		if err := segments.Where(db.WithContext(ctx).Model(&models.Friend{}), ws.ID, p5Definition).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("count as before: %w", err)
		}
		r.before = append(r.before, time.Since(start))
		if n != r.members {
			return nil, fmt.Errorf("CountSegment counted %d members, the segment's WHERE %d", r.members, n)
		}
	}
	if r.beforeJIT, r.beforeExecution, err = explainBefore(db.WithContext(ctx), ws.ID); err != nil {
		return nil, err
	}
	for range opts.segmentWarmup {
		if _, _, err := count(); err != nil {
			return nil, err
		}
	}
	from := takeCPUSnapshot()
	for range opts.segmentRuns {
		_, took, err := count()
		if err != nil {
			return nil, err
		}
		r.counts = append(r.counts, took)
	}
	r.load = measureLoad(from, takeCPUSnapshot())
	if r.plan, err = store.ExplainSegmentCount(ctx, ws.ID, p5Definition); err != nil {
		return nil, err
	}
	if err := describePostgres(db.DB, r); err != nil {
		return nil, err
	}
	r.elapsed = time.Since(began)
	return r, nil
}

// createBenchDatabase creates an empty database on the server of adminURL and opens it;
// drop closes and drops it (also after ctx is cancelled).
func createBenchDatabase(ctx context.Context, adminURL string, log *slog.Logger) (*database.DB, func() error, error) {
	admin, err := database.Open(ctx, database.Options{URL: adminURL, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("PostgreSQL for P5 (-postgres-url, or LUMO_TEST_POSTGRES_URL): %w", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	name := "lumo_bench_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		return nil, nil, errors.Join(fmt.Errorf("create database %s: %w", name, err), admin.Close())
	}
	// The drop is tried for a minute: the server may be restarting (the fault suite
	// restarts it), and a database of a million friends is not to be left behind.
	dropDatabase := func() error {
		deadline := time.Now().Add(time.Minute)
		for {
			err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error
			if err == nil || time.Now().After(deadline) {
				return errors.Join(err, admin.Close())
			}
			time.Sleep(time.Second)
		}
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, nil, errors.Join(err, dropDatabase())
	}
	u.Path = "/" + name
	db, err := database.Open(ctx, database.Options{URL: u.String(), Logger: log})
	if err != nil {
		return nil, nil, errors.Join(err, dropDatabase())
	}
	return db, func() error { return errors.Join(db.Close(), dropDatabase()) }, nil
}

// seedFriendsSQL makes $4 friends of workspace $1, a quarter on account $3 and the rest
// on $2, added over the two years before $5 (IDs are UUIDv7 of the added time, as
// models.NewID makes them, so they sort by it); one in 29 blocks its account; fields
// {"plan": premium (10%), basic (20%) or free, "age": 18 to 77}.
const seedFriendsSQL = `
INSERT INTO friends (id, workspace_id, line_account_id, line_user_id, display_name, followed_at, blocked_at, fields, created_at, updated_at)
SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(r, 1, 3) || '-8' || substr(r, 4, 3) || '-' || substr(r, 7, 12),
       $1, CASE WHEN i % 4 = 0 THEN $3 ELSE $2 END, 'U' || r, 'Friend ' || i, added,
       CASE WHEN i % 29 = 0 THEN added + interval '1 day' END,
       jsonb_build_object('plan', CASE WHEN pick < 10 THEN 'premium' WHEN pick < 30 THEN 'basic' ELSE 'free' END, 'age', 18 + i % 60),
       added, added
FROM (SELECT i, added, md5(i::text) AS r, abs(hashint4(i)) % 100 AS pick,
             lpad(to_hex((extract(epoch FROM added) * 1000)::bigint), 12, '0') AS h
      FROM (SELECT i, $5::timestamptz - interval '730 days' * (1 - i::float8 / ($4::int)::float8) AS added
            FROM generate_series(1, $4::int) AS i) s) s`

// seedTagsSQL tags one friend in ten of workspace $1 with tag $2 (vip), and every friend
// with one or two of the tags whose IDs are $3 (a text array), as chosen by a hash of
// its ID.
const seedTagsSQL = `
INSERT INTO friend_tags (friend_id, tag_id, workspace_id, created_at)
SELECT id, $2, $1, created_at FROM friends WHERE workspace_id = $1 AND abs(hashtext(id)) % 10 = 0
UNION ALL
SELECT id, tag, $1, created_at FROM (
    SELECT id, created_at, ($3::text[])[1 + abs(hashtext(id || 'a')) % cardinality($3::text[])] AS tag FROM friends WHERE workspace_id = $1
    UNION
    SELECT id, created_at, ($3::text[])[1 + abs(hashtext(id || 'b')) % cardinality($3::text[])] FROM friends
    WHERE workspace_id = $1 AND abs(hashtext(id)) % 2 = 0) more`

// seedSegmentFriends fills the workspace with n friends in a few statements. The
// secondary indexes of the tables it fills are dropped first and built again after, from
// their own definitions (what the migrations made): building an index once is several
// times faster than growing it a row at a time. The tables are then vacuumed and
// analysed, as autovacuum would have done to a table that grew this much.
func seedSegmentFriends(ctx context.Context, store *models.Store, workspaceID string, n int) error {
	var accounts [2]string
	for i := range accounts {
		account, err := store.CreateLineAccount(ctx, workspaceID, models.LineAccountInput{
			Name: fmt.Sprintf("Bench shop %d", i+1), ChannelID: fmt.Sprint(1650000100 + i), ChannelSecret: channelSecret, ChannelAccessToken: "bench",
		})
		if err != nil {
			return fmt.Errorf("LINE account: %w", err)
		}
		accounts[i] = account.ID
	}
	tags := make([]models.Tag, 20)
	interests := make([]string, 0, len(tags)-1) // the IDs of the tags besides vip
	for i := range tags {
		tags[i] = models.Tag{ID: models.NewID(), WorkspaceID: workspaceID, Name: fmt.Sprintf("interest-%02d", i), CreatedAt: time.Now().UTC()}
		if i == 0 {
			tags[i].Name = "vip"
		} else {
			interests = append(interests, tags[i].ID)
		}
	}
	db := store.DB().WithContext(ctx)
	if err := db.Create(&tags).Error; err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	return db.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SET maintenance_work_mem = '256MB'").Error; err != nil {
			return err
		}
		var indexes []struct{ Indexname, Indexdef string }
		err := conn.Raw(`SELECT i.indexname, i.indexdef FROM pg_indexes i
			WHERE i.schemaname = 'public' AND i.tablename IN ('friends', 'friend_tags')
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`).Scan(&indexes).Error
		if err != nil {
			return fmt.Errorf("list indexes: %w", err)
		}
		for _, ix := range indexes {
			if err := conn.Exec(`DROP INDEX "` + ix.Indexname + `"`).Error; err != nil {
				return fmt.Errorf("drop index %s: %w", ix.Indexname, err)
			}
		}
		now := time.Now().UTC()
		if err := conn.Exec(seedFriendsSQL, workspaceID, accounts[0], accounts[1], n, now).Error; err != nil {
			return fmt.Errorf("seed friends: %w", err)
		}
		if err := conn.Exec(seedTagsSQL, workspaceID, tags[0].ID, interests).Error; err != nil {
			return fmt.Errorf("seed tags: %w", err)
		}
		for _, ix := range indexes {
			if err := conn.Exec(ix.Indexdef).Error; err != nil {
				return fmt.Errorf("build index %s: %w", ix.Indexname, err)
			}
		}
		if err := conn.Exec("VACUUM (ANALYZE) friends, friend_tags, tags").Error; err != nil {
			return fmt.Errorf("vacuum: %w", err)
		}
		return nil
	})
}

// describePostgres notes the server, its memory for pages and the size of the table
// the count reads.
func describePostgres(db *gorm.DB, r *p5Result) error {
	var version, shared, workMem string
	for _, q := range []struct {
		sql  string
		dest any
	}{
		{"SHOW server_version", &version},
		{"SHOW shared_buffers", &shared},
		{"SHOW work_mem", &workMem},
		{"SELECT pg_relation_size('friends')", &r.heap},
	} {
		if err := db.Raw(q.sql).Scan(q.dest).Error; err != nil {
			return fmt.Errorf("%s: %w", q.sql, err)
		}
	}
	r.server = "PostgreSQL " + strings.Fields(version)[0]
	r.buffers = fmt.Sprintf("shared_buffers %s, work_mem %s", shared, workMem)
	return nil
}

// planFigures are what the report quotes from the count's plan: the pages it touched
// (from PostgreSQL's buffers or from outside them), the table pages the bitmap heap scans
// visited, and how long the parts of the plan took (each node's actual total time, its
// children's included).
type planFigures struct {
	hit, read, heapBlocks int64
	// semiJoin is the first group's join of its conditions, heapScan the field
	// group's pass over the friends table, append both sets, aggregate the UNION's
	// distinct IDs, execution the whole.
	semiJoin, heapScan, append, aggregate, execution time.Duration
}

var (
	planBuffers    = regexp.MustCompile(`Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?`)
	planHeapBlocks = regexp.MustCompile(`Heap Blocks: (?:exact=(\d+))?(?: ?lossy=(\d+))?`)
	planNodeEnd    = regexp.MustCompile(`^\s*(?:->\s+)?([A-Za-z ]+?)(?: (?:on|using) [\w.]+(?: [\w.]+)?)*\s+\(cost=[^)]*\) \(actual time=[\d.]+\.\.([\d.]+)`)
	planExecution  = regexp.MustCompile(`^Execution Time: ([\d.]+) ms`)
	planJITTotal   = regexp.MustCompile(`Timing: .*Total ([\d.]+) ms`)
)

func planMillis(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Millisecond))
}

func readPlan(lines []string) planFigures {
	var f planFigures
	atoi := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	for _, line := range lines {
		if m := planBuffers.FindStringSubmatch(line); m != nil && f.hit == 0 && f.read == 0 {
			// The first Buffers line is the whole statement's.
			f.hit, f.read = atoi(m[1]), atoi(m[2])
		}
		if m := planHeapBlocks.FindStringSubmatch(line); m != nil {
			f.heapBlocks += atoi(m[1]) + atoi(m[2])
		}
		if m := planExecution.FindStringSubmatch(line); m != nil {
			f.execution = planMillis(m[1])
		}
		m := planNodeEnd.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		end := planMillis(m[2])
		switch node := m[1]; {
		case strings.HasSuffix(node, "Semi Join") && f.semiJoin == 0:
			f.semiJoin = end
		case node == "Bitmap Heap Scan" && f.heapScan == 0:
			f.heapScan = end
		case node == "Append" && f.append == 0:
			f.append = end
		case (node == "HashAggregate" || node == "Unique") && f.aggregate == 0:
			f.aggregate = end
		}
	}
	return f
}

// explainBefore runs the count the way the code before this benchmark did (the
// segment's WHERE, groups ORed, JIT as the server decides) under EXPLAIN ANALYZE, and
// returns how long JIT compilation took of it and the whole count.
func explainBefore(db *gorm.DB, workspaceID string) (jit, execution time.Duration, err error) {
	var n int64
	sql := db.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return segments.Where(tx.Model(&models.Friend{}), workspaceID, p5Definition).Count(&n)
	})
	var lines []string
	if err := db.Raw("EXPLAIN (ANALYZE) " + sql).Scan(&lines).Error; err != nil {
		return 0, 0, fmt.Errorf("explain the count as before: %w", err)
	}
	for _, line := range lines {
		if m := planJITTotal.FindStringSubmatch(line); m != nil {
			jit = planMillis(m[1])
		}
		if m := planExecution.FindStringSubmatch(line); m != nil {
			execution = planMillis(m[1])
		}
	}
	return jit, execution, nil
}

func (r *report) writeP5(w writer) {
	p := r.p5
	w("## P5: segment count\n\n")
	w("A workspace of %d friends on %s, in a database of its own that the run creates on the server of\n", p.friends, p.server)
	w("`-postgres-url` (by default `LUMO_TEST_POSTGRES_URL`'s, as the tests), seeds and drops: two LINE accounts, 20 tags,\n")
	w("each friend with one or two of them and one friend in ten with `vip` (%d tag rows in all), added over\n", p.friendTags)
	w("two years, custom fields `{\"plan\": …, \"age\": …}` (premium one in ten), one in 29 blocking the\n")
	w("account. Seeding took %s: `generate_series` in three INSERTs, the tables' secondary indexes dropped\n", p.seedTook.Round(100*time.Millisecond))
	w("first and built again after from their own definitions, then VACUUM (ANALYZE), as autovacuum\n")
	w("would have left a table that grew this much.\n\n")
	w("The segment: `%s`, %d members. `Store.CountSegment` counted it once (the first count after\n", p5Definition.Summary(), p.members)
	w("seeding took %s), %d times as warm-up, then %d times measured, one at a time. Meanwhile the\n", ms(p.first), p.warmup, len(p.counts))
	w("machine's CPU was %.0f%% busy (PostgreSQL is another process: its counting is in that figure;\n", 100*(p.load.own+p.load.others))
	w("%.0f%% stolen by the hypervisor; load average %s → %s).\n\n", 100*p.load.steal, p.load.avgFrom, p.load.avgTo)
	w("| | p50 | p99 | max |\n| --- | --- | --- | --- |\n")
	w("| `Store.CountSegment`: each group a set of friend IDs, the sets UNIONed; JIT off | %s | %s | %s |\n",
		ms(p.counts.p50()), ms(p.counts.p99()), ms(p.counts.max()))
	w("| the count as it was before (`segments.Where`: the groups ORed in one WHERE, JIT as the server decides), %d runs | %s | %s | %s |\n\n",
		len(p.before), ms(p.before.p50()), ms(p.before.p99()), ms(p.before.max()))
	w("The plan: `Store.ExplainSegmentCount`, EXPLAIN (ANALYZE, BUFFERS) of the count's statement in the\n")
	w("count's transaction settings, after the measured runs.\n\n```text\n%s\n```\n\n", strings.Join(p.plan, "\n"))

	f := readPlan(p.plan)
	heapPages := p.heap / 8192
	if p.met() {
		w("**What it costs.** ")
	} else {
		w("**What limits it.** ")
	}
	w("Each group is a set of friend IDs, and the plan above says where the time goes (each node's\n")
	w("time is its own, its children's included; the count took %s in all under EXPLAIN).\n", ms(f.execution))
	w("The first group's conditions are joined, not tested row by row: the tag's friends come from\n")
	w("the `friend_tags_tag` index and the recently added from `friends_added_ids` (migration 00011),\n")
	w("both read index-only, never a friends row; hashing one set and probing it with the other took\n")
	w("%s. The field condition cannot be answered from an index alone: the GIN index on\n", ms(f.semiJoin))
	w("`friends.fields` (`jsonb_path_ops`) finds candidates by a hash of the path and value, so\n")
	w("PostgreSQL rechecks each in its row, and one friend in ten on the plan is spread over nearly\n")
	w("every page of the table: that bitmap heap scan visited %d of the table's %d pages (%s)\n", f.heapBlocks, heapPages, mib(uint64(p.heap)))
	w("in %s. Of the %d pages the count touched, %d came from outside PostgreSQL's own\n", ms(f.heapScan), f.hit+f.read, f.read)
	w("cache (%s: the table does not fit), each a copy from the operating system's page\n", p.buffers)
	w("cache. The UNION's distinct IDs (a hash of every member of either group) took %s more.\n", ms(f.aggregate-f.append))
	w("So the floor of this count on this server is one pass over the friends table plus hashing\n")
	w("a few hundred thousand IDs, and the machine's load (above) stretches both. Faster would need\n")
	w("the fields in a table of their own (name, value, friend ID) whose index answers a field\n")
	w("condition without the rows, or a server whose shared_buffers hold the friends table.\n\n")
	if p.beforeJIT > 0 {
		w("JIT is off for the count: PostgreSQL estimated the ORed count expensive enough to compile\n")
		w("with LLVM, and compiling took %s of that count's %s (EXPLAIN ANALYZE of one \"before\" count),\n", ms(p.beforeJIT), ms(p.beforeExecution))
		w("again for every count, as each is a statement of its own.\n\n")
	}
}
