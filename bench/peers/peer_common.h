/* Shared parts of the peer benchmark clients (bench/peers/redis_bench.c, nats_bench.c):
 * options, clock, payload stamps, latency samples, pacing and the JSON result line.
 *
 * The JSON written by --json uses the keys of `sluice bench --json` (produce_msgs_per_s,
 * consume_mb_per_s, delivery_latency_ms.p99, e2e_latency_ms.p50, ...) so bench/compare.sh reads
 * every system's results the same way. MB = 2^20 bytes of record values, as in sluice bench. */
#ifndef SLUICE_BENCH_PEER_COMMON_H
#define SLUICE_BENCH_PEER_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Payload stamp: bytes 0..7 run id, 8..15 send time (CLOCK_MONOTONIC ns), as in sluice bench. */
#define STAMP_SIZE 16

typedef enum { MODE_PRODUCE, MODE_CONSUME, MODE_E2E } bench_mode;

typedef struct {
  bench_mode mode;
  const char* mode_word;
  const char* host;
  int port;
  const char* topic; /* Redis: stream key prefix; NATS: stream name */
  int partitions;    /* Redis: stream keys; NATS: subjects of the stream */
  long long num_records;
  int record_size;
  double throughput; /* records/s, <= 0 unlimited */
  int window;        /* records in flight (pipeline / max pending acks) */
  int batch;         /* records per pipeline chunk (producer) */
  int fetch;         /* records per read request (consumer) */
  int timeout_ms;    /* consumers give up after this long without a record */
  const char* json_file;
} peer_options;

static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile sig_atomic_t g_stop = 0;
static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}
static inline void install_signals(void) {
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);
}

static inline void stamp_payload(char* p, uint64_t run_id, int64_t t) {
  memcpy(p, &run_id, 8);
  memcpy(p + 8, &t, 8);
}

/* Send time of a stamped payload, or -1 when it is not from this run. */
static inline int64_t read_stamp(const char* p, size_t len, uint64_t run_id) {
  if (len < STAMP_SIZE) return -1;
  uint64_t id;
  int64_t t;
  memcpy(&id, p, 8);
  if (id != run_id) return -1;
  memcpy(&t, p + 8, 8);
  return t;
}

static inline uint64_t make_run_id(void) {
  return ((uint64_t)getpid() << 32) ^ (uint64_t)now_ns() ^ 0x9E3779B97F4A7C15ULL;
}

/* Random letters, like sluice bench. */
static inline char* make_payload(int size) {
  char* p = malloc((size_t)size + 1);
  unsigned x = 2463534242u;
  for (int i = 0; i < size; ++i) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    p[i] = (char)('a' + x % 26);
  }
  p[size] = 0;
  return p;
}

/* Latency samples in microseconds: a preallocated array, sorted once at the end. */
typedef struct {
  int64_t* us;
  atomic_llong n;
  long long cap;
} lat_samples;

static inline void lat_init(lat_samples* l, long long cap) {
  l->cap = cap > 0 ? cap : 1;
  l->us = malloc(sizeof(int64_t) * (size_t)l->cap);
  atomic_init(&l->n, 0);
}

static inline void lat_add(lat_samples* l, int64_t ns) {
  long long i = atomic_fetch_add_explicit(&l->n, 1, memory_order_relaxed);
  if (i < l->cap) l->us[i] = ns < 0 ? 0 : ns / 1000;
}

static int cmp_i64(const void* a, const void* b) {
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return x < y ? -1 : x > y;
}

static inline double lat_pct(const int64_t* s, long long n, double q) {
  if (n <= 0) return 0;
  long long i = (long long)(q * (double)(n - 1) + 0.5);
  if (i >= n) i = n - 1;
  return s[i] / 1000.0;
}

static inline void lat_json(FILE* f, const char* name, lat_samples* l) {
  long long n = atomic_load(&l->n);
  if (n > l->cap) n = l->cap;
  qsort(l->us, (size_t)n, sizeof(int64_t), cmp_i64);
  double sum = 0;
  for (long long i = 0; i < n; ++i) sum += (double)l->us[i];
  fprintf(f,
          ", \"%s\": {\"count\": %lld, \"mean\": %.3f, \"p50\": %.3f, \"p99\": %.3f, \"p999\": %.3f, "
          "\"max\": %.3f}",
          name, n, n ? sum / n / 1000.0 : 0.0, lat_pct(l->us, n, 0.50), lat_pct(l->us, n, 0.99),
          lat_pct(l->us, n, 0.999), n ? l->us[n - 1] / 1000.0 : 0.0);
}

/* Pacing: records that are due by now at the configured rate. */
typedef struct {
  double rate;
  int64_t start;
} pacer;

static inline long long pacer_due(const pacer* p) {
  if (p->rate <= 0) return -1;
  return (long long)((double)(now_ns() - p->start) / 1e9 * p->rate) + 1;
}

/* Sleep until record `sent` is due (when ahead by more than 200 us). */
static inline void pacer_wait(const pacer* p, long long sent) {
  if (p->rate <= 0) return;
  int64_t due = p->start + (int64_t)((double)sent / p->rate * 1e9);
  int64_t ahead = due - now_ns();
  if (ahead > 200000) {
    struct timespec ts = {ahead / 1000000000LL, ahead % 1000000000LL};
    nanosleep(&ts, NULL);
  }
}

typedef struct {
  double elapsed_s;
  long long produced, failed, consumed;
  double produced_bytes, consumed_bytes;
  lat_samples *delivery, *e2e;
  const char* error;
  /* consume: now_ns() at the start and when the first and the last counted record arrived (0: none),
   * for Kafka's consumer-perf-test fetch rate (first record to last), as `sluice bench` reports it */
  int64_t start_ns, first_rec_ns, last_rec_ns;
} peer_result;

static inline void note_records(peer_result* r, int64_t t) {
  if (r->first_rec_ns == 0) r->first_rec_ns = t;
  r->last_rec_ns = t;
}

static inline void write_result(const peer_options* o, const char* system, const char* version,
                                peer_result* r) {
  const double mib = 1024.0 * 1024.0;
  double el = r->elapsed_s > 0 ? r->elapsed_s : 1e-9;
  FILE* outs[2] = {stdout, NULL};
  if (o->json_file) outs[1] = fopen(o->json_file, "w");
  /* The latency arrays are sorted by the first lat_json; printing twice is harmless. */
  for (int k = 0; k < 2; ++k) {
    FILE* f = outs[k];
    if (!f) continue;
    fprintf(
        f,
        "{\"system\": \"%s\", \"client\": \"%s\", \"mode\": \"%s\", \"topic\": \"%s\", \"elapsed_s\": %.4f",
        system, version, o->mode_word, o->topic, r->elapsed_s);
    fprintf(f,
            ", \"config\": {\"num_records\": %lld, \"record_size\": %d, \"throughput\": %.0f, "
            "\"partitions\": %d, \"window\": %d, \"batch\": %d, \"fetch\": %d}",
            o->num_records, o->record_size, o->throughput, o->partitions, o->window, o->batch, o->fetch);
    if (o->mode != MODE_CONSUME) {
      fprintf(
          f,
          ", \"produced\": %lld, \"failed\": %lld, \"produce_msgs_per_s\": %.1f, \"produce_mb_per_s\": %.3f",
          r->produced, r->failed, r->produced / el, r->produced_bytes / el / mib);
    }
    if (o->mode != MODE_PRODUCE) {
      fprintf(f, ", \"consumed\": %lld, \"consume_msgs_per_s\": %.1f, \"consume_mb_per_s\": %.3f",
              r->consumed, r->consumed / el, r->consumed_bytes / el / mib);
      if (o->mode == MODE_CONSUME && r->first_rec_ns > 0 && r->start_ns > 0) {
        fprintf(f, ", \"first_record_ms\": %.3f", (double)(r->first_rec_ns - r->start_ns) / 1e6);
      }
      if (o->mode == MODE_CONSUME && r->last_rec_ns > r->first_rec_ns && r->first_rec_ns > 0) {
        double fs = (double)(r->last_rec_ns - r->first_rec_ns) / 1e9;
        fprintf(f, ", \"fetch_time_ms\": %.3f, \"fetch_msgs_per_s\": %.1f, \"fetch_mb_per_s\": %.3f",
                fs * 1e3, r->consumed / fs, r->consumed_bytes / fs / mib);
      }
    }
    if (r->delivery) lat_json(f, "delivery_latency_ms", r->delivery);
    if (r->e2e) lat_json(f, "e2e_latency_ms", r->e2e);
    int complete = r->error == NULL;
    fprintf(f, ", \"complete\": %s", complete ? "true" : "false");
    if (!complete) fprintf(f, ", \"error\": \"%s\"", r->error);
    fprintf(f, "}\n");
    if (k == 1) fclose(f);
  }
}

static inline void usage(const char* prog, const char* extra) {
  fprintf(stderr,
          "usage: %s produce|consume|e2e [--host H] [--port P] [--topic NAME] [--partitions N]\n"
          "         [--num-records N] [--record-size B] [--throughput R] [--window W] [--batch B]\n"
          "         [--fetch F] [--timeout-ms MS] [--json FILE]\n%s",
          prog, extra);
}

static inline int parse_options(int argc, char** argv, peer_options* o, int default_port) {
  memset(o, 0, sizeof *o);
  o->host = "127.0.0.1";
  o->port = default_port;
  o->topic = "bench";
  o->partitions = 6;
  o->num_records = 100000;
  o->record_size = 100;
  o->throughput = -1;
  o->window = 1000;
  o->batch = 100;
  o->fetch = 1000;
  o->timeout_ms = 10000;
  static struct option opts[] = {{"host", required_argument, 0, 'H'},
                                 {"port", required_argument, 0, 'p'},
                                 {"topic", required_argument, 0, 't'},
                                 {"partitions", required_argument, 0, 'P'},
                                 {"num-records", required_argument, 0, 'n'},
                                 {"record-size", required_argument, 0, 's'},
                                 {"throughput", required_argument, 0, 'r'},
                                 {"window", required_argument, 0, 'w'},
                                 {"batch", required_argument, 0, 'B'},
                                 {"fetch", required_argument, 0, 'f'},
                                 {"timeout-ms", required_argument, 0, 'T'},
                                 {"json", required_argument, 0, 'j'},
                                 {"help", no_argument, 0, 'h'},
                                 {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
      case 'H':
        o->host = optarg;
        break;
      case 'p':
        o->port = atoi(optarg);
        break;
      case 't':
        o->topic = optarg;
        break;
      case 'P':
        o->partitions = atoi(optarg);
        break;
      case 'n':
        o->num_records = atoll(optarg);
        break;
      case 's':
        o->record_size = atoi(optarg);
        break;
      case 'r':
        o->throughput = atof(optarg);
        break;
      case 'w':
        o->window = atoi(optarg);
        break;
      case 'B':
        o->batch = atoi(optarg);
        break;
      case 'f':
        o->fetch = atoi(optarg);
        break;
      case 'T':
        o->timeout_ms = atoi(optarg);
        break;
      case 'j':
        o->json_file = optarg;
        break;
      default:
        return -1;
    }
  }
  if (optind != argc - 1) return -1;
  o->mode_word = argv[optind];
  if (!strcmp(o->mode_word, "produce"))
    o->mode = MODE_PRODUCE;
  else if (!strcmp(o->mode_word, "consume"))
    o->mode = MODE_CONSUME;
  else if (!strcmp(o->mode_word, "e2e"))
    o->mode = MODE_E2E;
  else
    return -1;
  if (o->num_records < 1 || o->record_size < 0 || o->partitions < 1 || o->window < 1 || o->batch < 1 ||
      o->fetch < 1 || o->timeout_ms < 1)
    return -1;
  if (o->mode == MODE_E2E && o->record_size < STAMP_SIZE) {
    fprintf(stderr, "e2e needs --record-size >= %d\n", STAMP_SIZE);
    return -1;
  }
  if (o->batch > o->window) o->batch = o->window;
  return 0;
}

#endif
