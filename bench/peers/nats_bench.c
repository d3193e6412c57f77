/* NATS JetStream benchmark client for bench/compare.sh (nats.c, Debian libnats-dev).
 *
 *   nats_bench produce|consume|e2e --port P --topic NAME --partitions 6 --num-records N
 *              --record-size B [--throughput R] [--window 1000] [--fetch 1000]
 *
 * A "topic" is one stream NAME (file storage, created if missing) with subjects NAME.*; a topic of
 * P partitions publishes round-robin to the subjects NAME.0 .. NAME.{P-1}.
 * produce: js_PublishAsync with at most --window publishes awaiting their ack (MaxPending); the
 *          ack handler measures publish-to-ack latency (send stamp in the payload).
 * consume: a pull consumer (durable, DeliverAll, AckNone: nothing acknowledged, as Kafka's
 *          consumer bench commits nothing), natsSubscription_Fetch of up to --fetch messages.
 * e2e:     a push consumer (ephemeral, DeliverNew, AckNone, unlimited pending) is subscribed
 *          first; then a paced async publisher in this process; latency = send stamp to the
 *          consumer callback. */
#include "peer_common.h"

#include <nats/nats.h>

typedef struct {
  const peer_options *o;
  char **subjects;
  char filter[256];
  uint64_t run_id;
  peer_result r;
  lat_samples delivery, e2e;
  atomic_llong acked, failed, consumed;
  atomic_llong last_consume_ns;
  const char *first_error;
} ctx_t;

static void die(const char *what, natsStatus s, jsErrCode jerr) {
  fprintf(stderr, "nats_bench: %s: %s (%d, js error %d)\n", what, natsStatus_GetText(s), (int)s, (int)jerr);
  nats_PrintLastErrorStack(stderr);
  exit(1);
}

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure) {
  (void)js;
  ctx_t *x = closure;
  int64_t t = now_ns();
  if (pa != NULL && pae == NULL) {
    int64_t st = read_stamp(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg), x->run_id);
    if (st >= 0) lat_add(&x->delivery, t - st);
    atomic_fetch_add(&x->acked, 1);
  } else {
    if (!x->first_error) {
      x->first_error = "publish error";
      if (pae) fprintf(stderr, "nats_bench: publish: %s (%s)\n", natsStatus_GetText(pae->Err), pae->ErrText);
    }
    atomic_fetch_add(&x->failed, 1);
  }
  natsMsg_Destroy(msg);
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
  (void)nc, (void)sub;
  ctx_t *x = closure;
  int64_t t = now_ns();
  int len = natsMsg_GetDataLength(msg);
  int64_t st = read_stamp(natsMsg_GetData(msg), (size_t)len, x->run_id);
  if (st >= 0) {
    lat_add(&x->e2e, t - st);
    if (atomic_fetch_add(&x->consumed, 1) < x->o->num_records) x->r.consumed_bytes += len;
    atomic_store(&x->last_consume_ns, t);
  }
  natsMsg_Destroy(msg);
}

static void ensure_stream(jsCtx *js, const peer_options *o, ctx_t *x) {
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = o->topic;
  const char *subj[1] = {x->filter};
  sc.Subjects = subj;
  sc.SubjectsLen = 1;
  sc.Storage = js_FileStorage;
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_AddStream(&si, js, &sc, NULL, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return;
  }
  if (jerr == JSStreamNameExistErr) return;
  die("js_AddStream", s, jerr);
}

static void produce(ctx_t *x, jsCtx *js) {
  const peer_options *o = x->o;
  char *payload = make_payload(o->record_size < STAMP_SIZE ? STAMP_SIZE : o->record_size);
  pacer pc = {o->throughput, now_ns()};
  long long sent = 0;
  for (; sent < o->num_records && !g_stop; ++sent) {
    pacer_wait(&pc, sent);
    /* The payload is copied by the library; stamping needs >= 16 B (the 1 KB / 100 B workloads). */
    if (o->record_size >= STAMP_SIZE) stamp_payload(payload, x->run_id, now_ns());
    natsStatus s = js_PublishAsync(js, x->subjects[sent % o->partitions], payload, o->record_size, NULL);
    if (s != NATS_OK) {
      fprintf(stderr, "nats_bench: js_PublishAsync: %s\n", natsStatus_GetText(s));
      if (!x->first_error) x->first_error = "js_PublishAsync failed";
      atomic_fetch_add(&x->failed, 1);
      if (s == NATS_CONNECTION_CLOSED) break;
    }
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 60000;
  natsStatus s = js_PublishAsyncComplete(js, &po);
  if (s != NATS_OK && !x->first_error) x->first_error = "not every publish was acknowledged within 60 s";
  x->r.produced = atomic_load(&x->acked);
  x->r.failed = o->num_records - x->r.produced;  /* every record not acknowledged */
  x->r.produced_bytes = (double)x->r.produced * o->record_size;
  if (g_stop && !x->first_error && sent < o->num_records) x->first_error = "interrupted";
  free(payload);
}

static void consume_pull(ctx_t *x, jsCtx *js) {
  const peer_options *o = x->o;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = o->topic;
  so.Config.AckPolicy = js_AckNone;
  so.Config.DeliverPolicy = js_DeliverAll;
  so.Config.MaxRequestBatch = 0;
  char durable[64];
  snprintf(durable, sizeof durable, "c%016llx", (unsigned long long)x->run_id);
  natsSubscription *sub = NULL;
  jsErrCode jerr = 0;
  natsStatus s = js_PullSubscribe(&sub, js, x->filter, durable, NULL, &so, &jerr);
  if (s != NATS_OK) die("js_PullSubscribe", s, jerr);
  int64_t last = now_ns();
  long long got = 0;
  while (got < o->num_records && !g_stop) {
    natsMsgList list = {0};
    long long want = o->num_records - got;
    if (want > o->fetch) want = o->fetch;
    s = natsSubscription_Fetch(&list, sub, (int)want, 1000, &jerr);
    int64_t t = now_ns();
    if (s != NATS_OK && s != NATS_TIMEOUT) {
      fprintf(stderr, "nats_bench: fetch: %s (js error %d)\n", natsStatus_GetText(s), (int)jerr);
      x->first_error = "fetch failed";
      natsMsgList_Destroy(&list);
      break;
    }
    for (int i = 0; i < list.Count; ++i) {
      if (got < o->num_records) {
        ++got;
        x->r.consumed_bytes += natsMsg_GetDataLength(list.Msgs[i]);
      }
    }
    if (list.Count > 0) {
      last = t;
      note_records(&x->r, t);
    }
    natsMsgList_Destroy(&list);
    if (t - last > (int64_t)o->timeout_ms * 1000000) {
      x->first_error = "idle timeout: fewer records than expected";
      break;
    }
  }
  x->r.consumed = got;
  if (g_stop && !x->first_error && got < o->num_records) x->first_error = "interrupted";
  natsSubscription_Unsubscribe(sub);  /* removes the durable pull consumer's interest */
  natsSubscription_Destroy(sub);
  js_DeleteConsumer(js, o->topic, durable, NULL, NULL);
}

int main(int argc, char **argv) {
  peer_options o;
  if (parse_options(argc, argv, &o, 4222) != 0) {
    usage(argv[0], "NATS JetStream: see the comment at the top of bench/peers/nats_bench.c\n");
    return 2;
  }
  install_signals();
  ctx_t x;
  memset(&x, 0, sizeof x);
  x.o = &o;
  x.run_id = make_run_id();
  snprintf(x.filter, sizeof x.filter, "%s.*", o.topic);
  x.subjects = malloc(sizeof(char *) * (size_t)o.partitions);
  for (int i = 0; i < o.partitions; ++i) {
    size_t len = strlen(o.topic) + 16;
    x.subjects[i] = malloc(len);
    snprintf(x.subjects[i], len, "%s.%d", o.topic, i);
  }
  if (o.mode != MODE_CONSUME) {
    lat_init(&x.delivery, o.num_records);
    x.r.delivery = &x.delivery;
  }
  if (o.mode == MODE_E2E) {
    lat_init(&x.e2e, o.num_records);
    x.r.e2e = &x.e2e;
  }

  natsOptions *no = NULL;
  natsConnection *nc = NULL;
  char url[256];
  snprintf(url, sizeof url, "nats://%s:%d", o.host, o.port);
  natsOptions_Create(&no);
  natsOptions_SetURL(no, url);
  natsOptions_SetTimeout(no, 5000);
  natsStatus s = natsConnection_Connect(&nc, no);
  if (s != NATS_OK) die("connect", s, 0);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 30000;
  jo.PublishAsync.MaxPending = o.window;
  jo.PublishAsync.AckHandler = on_ack;
  jo.PublishAsync.AckHandlerClosure = &x;
  jo.PublishAsync.StallWait = 30000;
  jsCtx *js = NULL;
  s = natsConnection_JetStream(&js, nc, &jo);
  if (s != NATS_OK) die("JetStream context", s, 0);
  if (o.mode != MODE_CONSUME) ensure_stream(js, &o, &x);

  int64_t start = now_ns(), end = start;
  x.r.start_ns = start;
  if (o.mode == MODE_PRODUCE) {
    produce(&x, js);
    end = now_ns();
  } else if (o.mode == MODE_CONSUME) {
    consume_pull(&x, js);
    end = now_ns();
  } else {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = o.topic;
    so.ManualAck = true;
    so.Config.AckPolicy = js_AckNone;
    so.Config.DeliverPolicy = js_DeliverNew;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    s = js_Subscribe(&sub, js, x.filter, on_msg, &x, NULL, &so, &jerr);
    if (s != NATS_OK) die("js_Subscribe", s, jerr);
    natsSubscription_SetPendingLimits(sub, -1, -1);
    start = now_ns();
    atomic_store(&x.last_consume_ns, start);
    produce(&x, js);
    while (atomic_load(&x.consumed) < x.r.produced && !g_stop) {
      if (now_ns() - atomic_load(&x.last_consume_ns) > (int64_t)o.timeout_ms * 1000000) {
        if (!x.first_error) x.first_error = "idle timeout: fewer records than expected";
        break;
      }
      usleep(1000);
    }
    end = now_ns();
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    long long c = atomic_load(&x.consumed);
    x.r.consumed = c < o.num_records ? c : o.num_records;
  }
  x.r.elapsed_s = (double)(end - start) / 1e9;
  x.r.error = x.first_error;
  char version[64];
  snprintf(version, sizeof version, "nats.c %s", NATS_VERSION_STRING);
  write_result(&o, "nats", version, &x.r);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  natsOptions_Destroy(no);
  return x.r.error ? 1 : 0;
}
