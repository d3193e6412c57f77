/* Redis Streams benchmark client for bench/compare.sh (hiredis, Debian libhiredis-dev).
 *
 *   redis_bench produce|consume|e2e --port P --topic NAME --partitions 6 --num-records N
 *               --record-size B [--throughput R] [--window 1000] [--batch 100] [--fetch 1000]
 *
 * A "topic" of P partitions is P stream keys NAME.0 .. NAME.{P-1}; records go round-robin.
 * produce: XADD NAME.i * d <value>, pipelined: chunks of --batch commands, at most --window
 *          unanswered. Latency = append of the command to its reply (like a Kafka delivery report).
 * consume: XREADGROUP GROUP g c COUNT --fetch BLOCK 100 NOACK STREAMS NAME.0.. > .. (a fresh group
 *          created at id 0: reads the whole topic; NOACK: no pending-entries list, as Kafka's
 *          consumer bench commits nothing).
 * e2e:     the group is created at $ first; a paced producer thread (one pipelined chunk per due
 *          batch, read back at once) and the consumer in this process; latency = send stamp in the
 *          payload to receipt. */
#include "peer_common.h"

#include <hiredis/hiredis.h>

typedef struct {
  const peer_options *o;
  char **keys;
  uint64_t run_id;
  atomic_int consumer_ready;
  peer_result r;
  lat_samples delivery, e2e;
  int64_t end_ns;
} ctx_t;

static redisContext *connect_or_die(const peer_options *o) {
  struct timeval tv = {5, 0};
  redisContext *c = redisConnectWithTimeout(o->host, o->port, tv);
  if (!c || c->err) {
    fprintf(stderr, "redis_bench: cannot connect to %s:%d: %s\n", o->host, o->port, c ? c->errstr : "oom");
    exit(1);
  }
  /* Replies may take long under load: 60 s read timeout, the caller bounds the run anyway. */
  struct timeval rt = {60, 0};
  redisSetTimeout(c, rt);
  return c;
}

static void *producer_main(void *arg) {
  ctx_t *x = arg;
  const peer_options *o = x->o;
  redisContext *c = connect_or_die(o);
  int e2e = o->mode == MODE_E2E;
  while (e2e && !atomic_load(&x->consumer_ready) && !g_stop) usleep(1000);
  char *payload = make_payload(o->record_size);
  int64_t *sent_at = malloc(sizeof(int64_t) * (size_t)o->window);
  long long n = o->num_records, sent = 0, acked = 0;
  pacer pc = {o->throughput, now_ns()};
  int paced = o->throughput > 0;
  while (acked < n && !g_stop) {
    long long k = n - sent;
    long long room = o->window - (sent - acked);
    if (k > room) k = room;
    if (k > o->batch && !paced) k = o->batch;
    if (paced) {
      long long due = pacer_due(&pc) - sent;
      if (k > due) k = due;
      if (k <= 0 && sent == acked) {
        pacer_wait(&pc, sent);
        continue;
      }
    }
    for (long long i = 0; i < k; ++i) {
      int64_t t = now_ns();
      if (e2e) stamp_payload(payload, x->run_id, t);
      redisAppendCommand(c, "XADD %s * d %b", x->keys[sent % o->partitions], payload, (size_t)o->record_size);
      sent_at[sent % o->window] = t;
      ++sent;
    }
    long long keep = (paced || sent == n) ? 0 : o->window - o->batch;
    while (sent - acked > keep) {
      redisReply *rep = NULL;
      if (redisGetReply(c, (void **)&rep) != REDIS_OK) {
        fprintf(stderr, "redis_bench: XADD: %s\n", c->errstr);
        x->r.error = "connection error during XADD";
        x->r.failed += sent - acked;
        goto out;
      }
      int64_t t = now_ns();
      if (rep->type == REDIS_REPLY_ERROR) {
        if (!x->r.error) fprintf(stderr, "redis_bench: XADD: %s\n", rep->str);
        x->r.error = "XADD error";
        ++x->r.failed;
      } else {
        lat_add(&x->delivery, t - sent_at[acked % o->window]);
        ++x->r.produced;
        x->r.produced_bytes += o->record_size;
      }
      freeReplyObject(rep);
      ++acked;
    }
  }
out:
  if (g_stop && !x->r.error && acked < n) x->r.error = "interrupted";
  if (!e2e) x->end_ns = now_ns();
  free(sent_at);
  free(payload);
  redisFree(c);
  return NULL;
}

static void consume(ctx_t *x) {
  const peer_options *o = x->o;
  redisContext *c = connect_or_die(o);
  char group[64];
  snprintf(group, sizeof group, "g%016llx", (unsigned long long)x->run_id);
  for (int i = 0; i < o->partitions; ++i) {
    redisReply *rep = redisCommand(c, "XGROUP CREATE %s %s %s MKSTREAM", x->keys[i], group,
                                   o->mode == MODE_E2E ? "$" : "0");
    if (!rep || rep->type == REDIS_REPLY_ERROR) {
      fprintf(stderr, "redis_bench: XGROUP CREATE %s: %s\n", x->keys[i], rep ? rep->str : c->errstr);
      exit(1);
    }
    freeReplyObject(rep);
  }
  atomic_store(&x->consumer_ready, 1);
  char count[32];
  snprintf(count, sizeof count, "%d", o->fetch);
  int argc = 0;
  const char **argv = malloc(sizeof(char *) * (size_t)(10 + 2 * o->partitions));
  argv[argc++] = "XREADGROUP", argv[argc++] = "GROUP", argv[argc++] = group, argv[argc++] = "c";
  argv[argc++] = "COUNT", argv[argc++] = count, argv[argc++] = "BLOCK", argv[argc++] = "100";
  argv[argc++] = "NOACK", argv[argc++] = "STREAMS";
  for (int i = 0; i < o->partitions; ++i) argv[argc++] = x->keys[i];
  for (int i = 0; i < o->partitions; ++i) argv[argc++] = ">";
  int64_t last = now_ns();
  while (x->r.consumed < o->num_records && !g_stop) {
    redisReply *rep = redisCommandArgv(c, argc, argv, NULL);
    if (!rep) {
      fprintf(stderr, "redis_bench: XREADGROUP: %s\n", c->errstr);
      x->r.error = "connection error during XREADGROUP";
      break;
    }
    int64_t t = now_ns();
    if (rep->type == REDIS_REPLY_ERROR) {
      fprintf(stderr, "redis_bench: XREADGROUP: %s\n", rep->str);
      x->r.error = "XREADGROUP error";
      freeReplyObject(rep);
      break;
    }
    int got = 0;
    if (rep->type == REDIS_REPLY_ARRAY) {
      for (size_t s = 0; s < rep->elements; ++s) {
        redisReply *entries = rep->element[s]->element[1];
        for (size_t e = 0; e < entries->elements; ++e) {
          redisReply *fields = entries->element[e]->element[1];
          if (fields->type != REDIS_REPLY_ARRAY || fields->elements < 2) continue;
          redisReply *v = fields->element[1];
          if (o->mode == MODE_E2E) {
            int64_t st = read_stamp(v->str, v->len, x->run_id);
            if (st < 0) continue;
            lat_add(&x->e2e, t - st);
          }
          got = 1;
          if (x->r.consumed < o->num_records) {
            ++x->r.consumed;
            x->r.consumed_bytes += (double)v->len;
          }
        }
      }
    }
    freeReplyObject(rep);
    if (got) {
      last = t;
      note_records(&x->r, t);
    } else if (t - last > (int64_t)o->timeout_ms * 1000000) {
      x->r.error = "idle timeout: fewer records than expected";
      break;
    }
  }
  if (g_stop && !x->r.error && x->r.consumed < o->num_records) x->r.error = "interrupted";
  x->end_ns = now_ns();
  free(argv);
  redisFree(c);
}

int main(int argc, char **argv) {
  peer_options o;
  if (parse_options(argc, argv, &o, 6379) != 0) {
    usage(argv[0], "Redis Streams: see the comment at the top of bench/peers/redis_bench.c\n");
    return 2;
  }
  install_signals();
  ctx_t x;
  memset(&x, 0, sizeof x);
  x.o = &o;
  x.run_id = make_run_id();
  x.keys = malloc(sizeof(char *) * (size_t)o.partitions);
  for (int i = 0; i < o.partitions; ++i) {
    size_t len = strlen(o.topic) + 16;
    x.keys[i] = malloc(len);
    snprintf(x.keys[i], len, "%s.%d", o.topic, i);
  }
  if (o.mode != MODE_CONSUME) {
    lat_init(&x.delivery, o.num_records);
    x.r.delivery = &x.delivery;
  }
  if (o.mode == MODE_E2E) {
    lat_init(&x.e2e, o.num_records);
    x.r.e2e = &x.e2e;
  }
  int64_t start = now_ns();
  x.r.start_ns = start;
  if (o.mode == MODE_PRODUCE) {
    producer_main(&x);
  } else if (o.mode == MODE_CONSUME) {
    consume(&x);
  } else {
    pthread_t th;
    pthread_create(&th, NULL, producer_main, &x);
    consume(&x);
    if (x.r.consumed < o.num_records) g_stop = 1;  /* consumer gave up: stop the producer too */
    pthread_join(th, NULL);
    /* e2e: elapsed from start to the consumer's end (the consumer started first). */
  }
  x.r.elapsed_s = (double)(x.end_ns - start) / 1e9;
  char version[64];
  snprintf(version, sizeof version, "hiredis %d.%d.%d", HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);
  write_result(&o, "redis", version, &x.r);
  return x.r.error ? 1 : 0;
}
