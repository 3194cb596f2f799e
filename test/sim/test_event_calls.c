/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The event callback contract (tip_event_cb_t in ctx.h), exhaustively:
 * from inside every kind of event, raised on every path that raises it
 * (tip_poll(), tip_output(), tip_input_*(), tip_ike_input() on either
 * side, tip_ike_conn_del()), the callback makes each call of the API once,
 * in its own scenario between two gateways on the simulated network. Then:
 *  - an allowed call returns what it would outside (never TIP_ERR_BUSY),
 *    the refused ones (tip_poll, tip_ctx_deinit) say so and change nothing;
 *  - what the callback installed is still there after everything that
 *    followed (the core touched nothing the callback changed);
 *  - the tables of both contexts are consistent, IKE never made an illegal
 *    state change, and no event names a connection after a callback
 *    deleted it;
 *  - unless the call took the tunnel's SAs or policies away, the two
 *    gateways can still bring the tunnel up and carry traffic.
 * The sanitize stage runs it under ASan and UBSan: a use after free in any
 * of these paths fails there.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_AES_GCM TIP_MAX_SA>=12 TIP_MAX_POLICIES>=10
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_MAX_IKE_SA>=4 TIP_MAX_IKE_CONN>=2
 * tip-requires: TIP_CONF_IKE_REKEY_IKE (rekeys the IKE SA)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"
#include "tip_test_tables.h"

/* ---- the calls a callback makes -------------------------------------------------- */

#define CALLS(X)                                                                          \
    X(OUTPUT) X(ESP_ENCAP) X(INPUT_IP) X(INPUT_UDP) X(IKE_INPUT) X(SAD_ADD) X(SAD_DEL)    \
    X(REPLACE) X(SAD_FLUSH) X(SPD_ADD) X(SPD_DEL) X(SPD_FLUSH) X(SPD_BIND) X(SETKEY)      \
    X(READ) X(SET_CB) X(SET_NATT) X(CONN_ADD) X(CONN_DEL) X(INITIATE) X(TERMINATE)        \
    X(REKEY_CHILD) X(REKEY_IKE) X(DELETE_CHILD) X(POLL) X(DEINIT)

typedef enum {
#define X(n) C_##n,
    CALLS(X)
#undef X
    C_COUNT
} call_t;

static const char *const call_name[C_COUNT] = {
#define X(n) #n,
    CALLS(X)
#undef X
};

/* Calls that remove SAs or policies IKE owns: IKE's handles to them go stale. */
static int destructive(call_t c)
{
    return c == C_SAD_DEL || c == C_REPLACE || c == C_SAD_FLUSH || c == C_SPD_DEL ||
           c == C_SPD_FLUSH;
}

/* ---- the events, and the paths that raise them ---------------------------------------- */

typedef enum {
    T_SOFT_POLL,     /* tip_poll(): seconds */
    T_HARD_POLL,     /* tip_poll(): seconds */
    T_SOFT_OUT,      /* tip_output(): packets */
    T_HARD_OUT,      /* tip_output(): packets */
    T_HARD_IN,       /* tip_input_ip(): packets */
    T_REKEY_NEEDED,  /* tip_output() */
    T_SEQ_EXHAUSTED, /* tip_output() */
    T_ACQUIRE,       /* tip_output() through a trap policy: IKE negotiates too */
    T_IKE_UP,        /* IKE_AUTH */
    T_CHILD_UP,      /* IKE_AUTH */
    T_CHILD_REKEYED, /* CREATE_CHILD_SA */
    T_IKE_REKEYED,   /* CREATE_CHILD_SA */
    T_CHILD_DOWN,    /* INFORMATIONAL Delete(ESP) */
    T_IKE_DOWN,      /* INFORMATIONAL Delete(IKE) */
    T_IKE_DOWN_DEAD, /* tip_poll(): the liveness check gives up */
    T_AUTH_FAILED,   /* IKE_AUTH with the wrong key */
    T_PROPOSAL,      /* IKE_AUTH: no CHILD SA proposal in common */
    T_DEL_CHILD,     /* tip_ike_conn_del(): CHILD_DOWN */
    T_DEL_IKE,       /* tip_ike_conn_del(): IKE_DOWN */
    T_VIRTUAL_IP,    /* IKE_AUTH: a's address from b's pool */
    T_IKE_MOVED,     /* INFORMATIONAL UPDATE_SA_ADDRESSES (MOBIKE) */
    T_COUNT
} trig_t;

#define W_MANUAL 1u /* the manually keyed tunnel is the event's (its flow, its SAs) */
#define W_UP 2u     /* the IKE tunnel is up before the event */
#define W_BAD 4u    /* a misconfigured pair: no tunnel afterwards either */
#define W_BOTH 8u   /* the event comes on both sides: run for each */

static const struct {
    const char *name;
    tip_event_type_t ev;
    unsigned world;
} trig[T_COUNT] = {
    [T_SOFT_POLL] = {"soft expiry in tip_poll", TIP_EV_SA_SOFT_EXPIRED, W_MANUAL | W_UP},
    [T_HARD_POLL] = {"hard expiry in tip_poll", TIP_EV_SA_HARD_EXPIRED, W_MANUAL | W_UP},
    [T_SOFT_OUT] = {"soft expiry in tip_output", TIP_EV_SA_SOFT_EXPIRED, W_MANUAL | W_UP},
    [T_HARD_OUT] = {"hard expiry in tip_output", TIP_EV_SA_HARD_EXPIRED, W_MANUAL | W_UP},
    [T_HARD_IN] = {"hard expiry in tip_input_ip", TIP_EV_SA_HARD_EXPIRED, W_MANUAL | W_UP},
    [T_REKEY_NEEDED] = {"rekey needed", TIP_EV_SA_REKEY_NEEDED, W_MANUAL | W_UP},
    [T_SEQ_EXHAUSTED] = {"sequence exhausted", TIP_EV_SA_SEQ_EXHAUSTED, W_MANUAL | W_UP},
    [T_ACQUIRE] = {"acquire", TIP_EV_ACQUIRE, 0},
    [T_IKE_UP] = {"IKE_UP", TIP_EV_IKE_UP, W_BOTH},
    [T_CHILD_UP] = {"CHILD_UP", TIP_EV_CHILD_UP, W_BOTH},
    [T_CHILD_REKEYED] = {"CHILD_REKEYED", TIP_EV_CHILD_REKEYED, W_UP | W_BOTH},
    [T_IKE_REKEYED] = {"IKE_REKEYED", TIP_EV_IKE_REKEYED, W_UP | W_BOTH},
    [T_CHILD_DOWN] = {"CHILD_DOWN", TIP_EV_CHILD_DOWN, W_UP | W_BOTH},
    [T_IKE_DOWN] = {"IKE_DOWN", TIP_EV_IKE_DOWN, W_UP | W_BOTH},
    [T_IKE_DOWN_DEAD] = {"IKE_DOWN of a dead peer", TIP_EV_IKE_DOWN, W_UP},
    [T_AUTH_FAILED] = {"AUTH_FAILED", TIP_EV_AUTH_FAILED, W_BAD | W_BOTH},
    [T_PROPOSAL] = {"PROPOSAL_MISMATCH", TIP_EV_PROPOSAL_MISMATCH, W_BAD | W_BOTH},
    [T_DEL_CHILD] = {"CHILD_DOWN in tip_ike_conn_del", TIP_EV_CHILD_DOWN, W_UP},
    [T_DEL_IKE] = {"IKE_DOWN in tip_ike_conn_del", TIP_EV_IKE_DOWN, W_UP},
    [T_VIRTUAL_IP] = {"VIRTUAL_IP", TIP_EV_VIRTUAL_IP, 0},
    [T_IKE_MOVED] = {"IKE_MOVED", TIP_EV_IKE_MOVED, W_UP | W_BOTH},
};

/* ---- the world: two gateways, an IKE connection and a manually keyed tunnel ------------ */

static tip_test_port_t port[2];
static tip_ctx_t ctx[2];
static tip_sim_t sim;
static tip_handle_t conn[2];
static tip_handle_t man_out[2], man_in[2];
static const char *const addr[2] = {"10.99.0.1", "10.99.0.2"};
/* IKE protects net[side] <-> net[1 - side]; the manual tunnel mnet[] */
static const char *const net[2] = {"10.1.0.0", "10.2.0.0"};
static const char *const host[2] = {"10.1.0.5", "10.2.0.7"};
static const char *const mnet[2] = {"10.5.0.0", "10.6.0.0"};
static const char *const mhost[2] = {"10.5.0.5", "10.6.0.7"};
static const uint8_t key[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

/* The scenario under way. */
static struct {
    trig_t t;
    call_t c;
    int side;             /* whose event, whose call */
    int fired;            /* the call was made */
    int result;           /* and returned this */
    int in_call;          /* the call is running (events it raises itself are its own) */
    int acquires;         /* ACQUIRE events on the side */
    tip_handle_t added_sa, added_pol, added_conn;
    tip_handle_t deleted_conn; /* a connection deleted (by the call or the trigger) */
    int conn_deleted;     /* ... and its tip_ike_conn_del() has returned */
    int late_events;      /* events that named it afterwards */
    int deinit_state_ok;  /* the refused tip_ctx_deinit() left the context alone */
    unsigned spi_next;
} sc;

static void on_event(void *arg, const tip_event_t *ev);

static int call(int side, const tip_event_t *ev);

static void on_event(void *arg, const tip_event_t *ev)
{
    int side = (int)((intptr_t)arg & 1);

    if (sc.conn_deleted && ev->conn != 0 && ev->conn == sc.deleted_conn && side == sc.side)
        sc.late_events++;
    if (side == sc.side && ev->type == TIP_EV_ACQUIRE)
        sc.acquires++;
    if (side != sc.side || ev->type != trig[sc.t].ev || sc.fired || sc.in_call)
        return;
    sc.fired = 1;
    sc.in_call = 1;
    sc.result = call(side, ev);
    sc.in_call = 0;
    if (sc.c == C_CONN_DEL && sc.result == TIP_OK) {
        sc.deleted_conn = conn[side];
        sc.conn_deleted = 1;
    }
}

/* A manually keyed SA from @p side's view: outbound (to the peer) or inbound. */
static void manual_params(tip_sa_params_t *p, int side, tip_dir_t dir, uint32_t spi)
{
    memset(p, 0, sizeof(*p));
    p->dir = dir;
    p->spi = spi;
    p->mode = TIP_MODE_TUNNEL;
    p->src = tip_test_addr(addr[dir == TIP_DIR_OUT ? side : 1 - side]);
    p->dst = tip_test_addr(addr[dir == TIP_DIR_OUT ? 1 - side : side]);
    p->encr = TIP_ENCR_AES_GCM_16;
    p->encr_key = key;
    p->encr_key_len = sizeof(key);
}

static void manual_policy(int side, tip_dir_t dir)
{
    tip_policy_t pol;
    tip_addr_t n;

    memset(&pol, 0, sizeof(pol));
    pol.dir = dir;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = tip_test_addr(addr[side]);
    pol.tunnel_remote = tip_test_addr(addr[1 - side]);
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
    n = tip_test_addr(mnet[side]);
    assert_int_equal(tip_addr_range_prefix(&pol.sel.local, &n, 24), TIP_OK);
    n = tip_test_addr(mnet[1 - side]);
    assert_int_equal(tip_addr_range_prefix(&pol.sel.remote, &n, 24), TIP_OK);
    assert_int_equal(tip_spd_add(&ctx[side], &pol, TIP_SPD_APPEND, NULL), TIP_OK);
}

/* The manual tunnel a <-> b, a's SAs shaped by the trigger. */
static void manual_tunnel(trig_t t)
{
    tip_sa_params_t p;
    int s;

    for (s = 0; s < 2; s++) {
        manual_params(&p, s, TIP_DIR_OUT, 0x9001u + (unsigned)s);
        if (s == 0) {
            if (t == T_SOFT_POLL)
                p.soft.seconds = 5;
            if (t == T_HARD_POLL)
                p.hard.seconds = 5;
            if (t == T_SOFT_OUT)
                p.soft.packets = 1;
            if (t == T_HARD_OUT)
                p.hard.packets = 1;
            if (t == T_REKEY_NEEDED)
                p.seq_start = 0xFFFFFFF0u;
            if (t == T_SEQ_EXHAUSTED)
                p.seq_start = 0xFFFFFFFFu;
        }
        assert_int_equal(tip_sad_add(&ctx[s], &p, &man_out[s]), TIP_OK);
        manual_params(&p, s, TIP_DIR_IN, 0x9002u - (unsigned)s);
        if (s == 0 && t == T_HARD_IN)
            p.hard.packets = 1;
        assert_int_equal(tip_sad_add(&ctx[s], &p, &man_in[s]), TIP_OK);
        manual_policy(s, TIP_DIR_OUT);
        manual_policy(s, TIP_DIR_IN);
    }
}

/* A trap: PROTECT for the IKE connection's traffic before IKE installed its own. */
static void trap_policy(void)
{
    tip_policy_t pol;
    tip_addr_t n;

    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_OUT;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = tip_test_addr(addr[0]);
    pol.tunnel_remote = tip_test_addr(addr[1]);
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
    n = tip_test_addr(net[0]);
    assert_int_equal(tip_addr_range_prefix(&pol.sel.local, &n, 24), TIP_OK);
    n = tip_test_addr(net[1]);
    assert_int_equal(tip_addr_range_prefix(&pol.sel.remote, &n, 24), TIP_OK);
    assert_int_equal(tip_spd_add(&ctx[0], &pol, TIP_SPD_APPEND, NULL), TIP_OK);
}

/* Both gateways up and in step (the same IKE SA, mirrored CHILD SPIs). */
static int in_step(void)
{
    tip_ike_status_t s0, s1;
    return tip_ike_status(&ctx[0], conn[0], &s0) == TIP_OK &&
           tip_ike_status(&ctx[1], conn[1], &s1) == TIP_OK && s0.ike_up && s1.ike_up &&
           s0.child_up && s1.child_up && memcmp(s0.spi_i, s1.spi_i, 8) == 0 &&
           memcmp(s0.spi_r, s1.spi_r, 8) == 0 && s0.child_spi_in == s1.child_spi_out &&
           s0.child_spi_out == s1.child_spi_in;
}

static void sleep_until_in_step(uint64_t max_ms)
{
    uint64_t ms;
    for (ms = 0; ms < max_ms && !in_step(); ms += 500)
        tip_sim_sleep(&sim, 500, NULL);
}

static void world(trig_t t, uint64_t seed)
{
    tip_port_t p;
    tip_ike_conn_t k;
    int s;

    for (s = 0; s < 2; s++) {
        (void)tip_ctx_deinit(&ctx[s]);
        tip_test_port_init(&port[s], seed + (uint64_t)s, 1000);
        tip_test_port_fill(&port[s], &p);
        assert_int_equal(tip_ctx_init(&ctx[s], &p), TIP_OK);
        tip_ctx_set_event_cb(&ctx[s], on_event, (void *)(intptr_t)s);
        tip_test_ike_conn(&k, addr[s], addr[1 - s], s ? "b.test" : "a.test",
                          s ? "a.test" : "b.test", net[s], net[1 - s]);
        if (t == T_AUTH_FAILED && s == 1)
            memcpy(k.psk, "the wrong horse battery staple", k.psk_len = 30);
        if (t == T_PROPOSAL && s == 1)
            k.child[0].key_bits = 256; /* a offers AES-GCM-128 only */
        if (t == T_IKE_DOWN_DEAD)
            k.dpd_s = 10;
#if TIP_CONF_IKE_CP
        if (t == T_VIRTUAL_IP && s == 0)
            k.vip_request = TIP_IKE_VIP_IP4; /* gets host[0] itself */
        if (t == T_VIRTUAL_IP && s == 1) {
            tip_ike_pool_cfg_t pool;
            memset(&pool, 0, sizeof(pool));
            pool.start = tip_test_addr(host[0]);
            pool.count = 1;
            assert_int_equal(tip_ike_pool_add(&ctx[s], &pool, &k.vip_pool), TIP_OK);
        }
#endif
        assert_int_equal(tip_ike_conn_add(&ctx[s], &k, &conn[s]), TIP_OK);
    }
    tip_sim_init(&sim, &ctx[0], &port[0], addr[0], &ctx[1], &port[1], addr[1], seed);
    man_out[0] = man_out[1] = man_in[0] = man_in[1] = 0;
    if (trig[t].world & W_MANUAL)
        manual_tunnel(t);
    if (t == T_ACQUIRE)
        trap_policy();
    if (trig[t].world & W_UP) {
        assert_int_equal(tip_ike_initiate(&ctx[0], conn[0]), TIP_OK);
        sleep_until_in_step(10000);
        assert_true(in_step());
    }
}

/* ---- the calls -------------------------------------------------------------------- */

/* A UDP packet between the hosts of @p side and its peer, in @p mem. */
static void packet(tip_buf_t *buf, uint8_t *mem, size_t cap, int side, int manual)
{
    static const uint8_t pl[32] = {0x42};
    tip_addr_t s = tip_test_addr(manual ? mhost[side] : host[side]);
    tip_addr_t d = tip_test_addr(manual ? mhost[1 - side] : host[1 - side]);

    tip_test_buf_init(buf, mem, cap, TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(buf, &s, &d, 1000, 2000, pl, sizeof(pl)), TIP_OK);
}

/* The outbound SA @p side's traffic uses (for tip_esp_encap, binding). */
static tip_handle_t out_sa(int side, const tip_event_t *ev)
{
    tip_ike_status_t st;

    if (trig[sc.t].world & W_MANUAL)
        return man_out[side];
    if (tip_ike_status(&ctx[side], conn[side], &st) == TIP_OK && st.child_out != 0)
        return st.child_out;
    return ev->sa;
}

/* The last IKE message the peer of @p side sent, as it came off the wire. */
static int peer_ike_message(int side, const uint8_t **msg, size_t *len, uint16_t *sport,
                            uint16_t *dport)
{
    uint32_t i = tip_test_port_count(&port[1 - side]);

    while (i-- > 0) {
        const tip_test_sent_t *s = tip_test_port_get(&port[1 - side], i);
        if (s == NULL)
            break;
        if (s->kind != TIP_TEST_SENT_UDP || (s->dport != TIP_PORT_IKE && s->dport != TIP_PORT_NATT))
            continue;
        if (s->dport == TIP_PORT_NATT && (s->len < 8 || s->data[0] != 0 || s->data[1] != 0 ||
                                          s->data[2] != 0 || s->data[3] != 0))
            continue; /* ESP or a keepalive */
        *msg = s->dport == TIP_PORT_NATT ? s->data + 4 : s->data;
        *len = s->dport == TIP_PORT_NATT ? s->len - 4 : s->len;
        *sport = s->sport;
        *dport = s->dport;
        return 1;
    }
    return 0;
}

static int call(int side, const tip_event_t *ev)
{
    static uint8_t mem[2048];
    tip_ctx_t *c = &ctx[side];
    int manual = (trig[sc.t].world & W_MANUAL) != 0;
    tip_addr_t me = tip_test_addr(addr[side]), peer = tip_test_addr(addr[1 - side]);
    tip_sa_params_t p;
    tip_policy_t pol;
    tip_flow_t flow;
    tip_handle_t h;
    tip_buf_t buf;
    int r;

    switch (sc.c) {
    case C_OUTPUT: /* sending from inside an event */
        packet(&buf, mem, sizeof(mem), side, manual);
        return tip_output(c, &buf);
    case C_ESP_ENCAP:
        packet(&buf, mem, sizeof(mem), side, manual);
        return tip_esp_encap(c, out_sa(side, ev), &buf);
    case C_INPUT_IP: /* cleartext from the peer's network: no BYPASS policy lets it in */
        packet(&buf, mem, sizeof(mem), 1 - side, manual);
        return tip_input_ip(c, &buf);
    case C_INPUT_UDP: { /* a NAT-T keepalive */
        static const uint8_t ka = 0xFF;
        assert_int_equal(tip_test_buf_set(&buf, mem, sizeof(mem), 64, &ka, 1), TIP_OK);
        return tip_input_udp(c, &peer, TIP_PORT_NATT, &me, TIP_PORT_NATT, &buf);
    }
    case C_IKE_INPUT: { /* the peer's last message again (a retransmission) */
        const uint8_t *msg;
        size_t len;
        uint16_t sport, dport;
        static const uint8_t junk[1] = {0};
        if (!peer_ike_message(side, &msg, &len, &sport, &dport))
            return tip_ike_input(c, &peer, TIP_PORT_IKE, &me, TIP_PORT_IKE, junk, sizeof(junk));
        memcpy(mem, msg, len); /* the ring may move while it is processed */
        return tip_ike_input(c, &peer, sport, &me, dport, mem, len);
    }
    case C_SAD_ADD:
        manual_params(&p, side, TIP_DIR_IN, sc.spi_next++);
        return tip_sad_add(c, &p, &sc.added_sa);
    case C_SAD_DEL:
        h = ev->sa != 0 ? ev->sa : out_sa(side, ev);
        return tip_sad_del(c, h);
    case C_REPLACE: /* the application's own rekey: a new SA in place of the old */
        (void)tip_sad_del(c, ev->sa != 0 ? ev->sa : out_sa(side, ev));
        /* SA events name the direction; CHILD events name the inbound SA */
        manual_params(&p, side,
                      ev->sa == 0 ? TIP_DIR_OUT : ev->dir != 0 ? ev->dir : TIP_DIR_IN,
                      sc.spi_next++);
        p.fresh_keys = 1;
        return tip_sad_add(c, &p, &sc.added_sa);
    case C_SAD_FLUSH:
        tip_sad_flush(c);
        return tip_sad_count(c) == 0 ? TIP_OK : TIP_ERR_INTERNAL;
    case C_SPD_ADD: {
        tip_addr_t n = tip_test_addr("10.7.0.0");
        memset(&pol, 0, sizeof(pol));
        pol.dir = TIP_DIR_OUT;
        pol.action = TIP_ACTION_BYPASS;
        pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
        (void)tip_addr_range_prefix(&pol.sel.remote, &n, 24);
        return tip_spd_add(c, &pol, TIP_SPD_PREPEND, &sc.added_pol);
    }
    case C_SPD_DEL:
    case C_SPD_BIND:
        h = ev->policy;
        if (h == 0) {
            packet(&buf, mem, sizeof(mem), side, manual);
            if (tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_OUT, &flow) != TIP_OK ||
                tip_spd_lookup(c, TIP_DIR_OUT, &flow, &h) != TIP_OK)
                h = 0;
        }
        if (sc.c == C_SPD_DEL)
            return tip_spd_del(c, h);
        return tip_spd_bind_sa(c, h, out_sa(side, ev));
    case C_SETKEY: {
#if TIP_CONF_SETKEY
        static const char text[] = "spdadd 10.8.0.0/24 10.9.0.0/24 any -P out none;\n";
        tip_setkey_error_t err;
        return tip_setkey_apply(c, text, sizeof(text) - 1, NULL, &err);
#else
        return TIP_OK;
#endif
    }
    case C_READ: {
        tip_sa_stats_t st;
        tip_ike_status_t is;
        (void)tip_sad_stats(c, ev->sa, &st);
        (void)tip_sad_find_inbound(c, ev->spi, &me, &h);
        (void)tip_sad_count(c);
        (void)tip_spd_get(c, ev->policy, &pol);
        packet(&buf, mem, sizeof(mem), side, manual);
        if (tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_OUT, &flow) == TIP_OK)
            (void)tip_spd_lookup(c, TIP_DIR_OUT, &flow, &h);
        (void)tip_ctx_drops(c, TIP_DROP_NO_SA);
        (void)tip_ike_status(c, ev->conn != 0 ? ev->conn : conn[side], &is);
        return TIP_OK;
    }
    case C_SET_CB: /* the same callback again, another argument: it stays in force */
        tip_ctx_set_event_cb(c, on_event, (void *)(intptr_t)(side | 2));
        return TIP_OK;
    case C_SET_NATT:
        tip_ctx_set_natt_keepalive(c, 5000);
        return TIP_OK;
    case C_CONN_ADD: {
        tip_ike_conn_t k;
        tip_test_ike_conn(&k, addr[side], "10.99.0.9", "extra.test", "nobody.test", "10.11.0.0",
                          "10.12.0.0");
        return tip_ike_conn_add(c, &k, &sc.added_conn);
    }
    case C_CONN_DEL:
        return tip_ike_conn_del(c, conn[side]);
    case C_INITIATE:
        return tip_ike_initiate(c, conn[side]);
    case C_TERMINATE:
        return tip_ike_terminate(c, conn[side]);
    case C_REKEY_CHILD:
        return tip_ike_rekey_child(c, conn[side]);
    case C_REKEY_IKE:
        return tip_ike_rekey_ike(c, conn[side]);
    case C_DELETE_CHILD:
        return tip_ike_delete_child(c, conn[side]);
    case C_POLL: { /* refused: nothing runs, 0 comes back */
        uint32_t sent = tip_test_port_count(&port[side]);
        uint32_t next = tip_poll(c, sim.now + 3600000u); /* everything would be due */
        return next == 0 && tip_test_port_count(&port[side]) == sent ? TIP_OK : TIP_ERR_INTERNAL;
    }
    case C_DEINIT: { /* refused: the context stays as it is */
        unsigned n = tip_sad_count(c);
        r = tip_ctx_deinit(c);
        sc.deinit_state_ok = tip_sad_count(c) == n && c->port.now_ms != NULL;
        return r;
    }
    default:
        return TIP_ERR_INTERNAL;
    }
}

/* What the call must return inside the callback; -100: anything but BUSY. */
static int expected(call_t c)
{
    switch (c) {
    case C_INPUT_UDP:
        return TIP_RX_CONSUMED;
    case C_SAD_ADD:
    case C_REPLACE:
    case C_SAD_FLUSH:
    case C_SPD_ADD:
    case C_SETKEY:
    case C_READ:
    case C_SET_CB:
    case C_SET_NATT:
    case C_CONN_ADD:
    case C_POLL: /* checked inside: refused, returned 0, sent nothing */
        return TIP_OK;
    case C_DEINIT:
        return TIP_ERR_BUSY;
    default:
        return -100;
    }
}

/* ---- a scenario ------------------------------------------------------------------- */

static void fire(trig_t t)
{
    static uint8_t mem[2048];
    tip_buf_t buf;

    switch (t) {
    case T_SOFT_POLL:
    case T_HARD_POLL:
        tip_sim_sleep(&sim, 6000, NULL);
        break;
    case T_SOFT_OUT:
    case T_HARD_OUT:
    case T_REKEY_NEEDED:
    case T_SEQ_EXHAUSTED:
        packet(&buf, mem, sizeof(mem), 0, 1);
        (void)tip_output(&ctx[0], &buf);
        break;
    case T_HARD_IN:
        packet(&buf, mem, sizeof(mem), 1, 1);
        assert_int_equal(tip_output(&ctx[1], &buf), TIP_SENT);
        break;
    case T_ACQUIRE:
        packet(&buf, mem, sizeof(mem), 0, 0);
        assert_int_equal(tip_output(&ctx[0], &buf), TIP_ERR_NO_SA);
        break;
    case T_IKE_UP:
    case T_CHILD_UP:
    case T_VIRTUAL_IP:
    case T_AUTH_FAILED:
    case T_PROPOSAL:
        assert_int_equal(tip_ike_initiate(&ctx[0], conn[0]), TIP_OK);
        break;
    case T_CHILD_REKEYED:
        assert_int_equal(tip_ike_rekey_child(&ctx[0], conn[0]), TIP_OK);
        break;
#if TIP_CONF_IKE_MOBIKE
    case T_IKE_MOVED: {
        /* The same address again: the update runs all the same. */
        tip_addr_t at = tip_test_addr(addr[0]);
        assert_int_equal(tip_ike_update_address(&ctx[0], conn[0], &at), TIP_OK);
        break;
    }
#endif
    case T_IKE_REKEYED:
        assert_int_equal(tip_ike_rekey_ike(&ctx[0], conn[0]), TIP_OK);
        break;
    case T_CHILD_DOWN:
        assert_int_equal(tip_ike_delete_child(&ctx[0], conn[0]), TIP_OK);
        break;
    case T_IKE_DOWN:
        assert_int_equal(tip_ike_terminate(&ctx[0], conn[0]), TIP_OK);
        break;
    case T_IKE_DOWN_DEAD:
        sim.n[1].down = 1;
        tip_sim_sleep(&sim, 120000, NULL); /* 10 s idle, then 63 s of retransmissions */
        sim.n[1].down = 0;
        break;
    case T_DEL_CHILD:
    case T_DEL_IKE:
        assert_int_equal(tip_ike_conn_del(&ctx[0], conn[0]), TIP_OK);
        sc.deleted_conn = conn[0];
        sc.conn_deleted = 1;
        break;
    default:
        fail();
    }
    tip_sim_sleep(&sim, 5000, NULL);
}

static void expect_tables(int side, int ike_refs)
{
    char why[160];
    if (tip_test_tables_check(&ctx[side], ike_refs, why, sizeof(why)) != 0) {
        print_error("side %d: %s\n", side, why);
        fail();
    }
}

/* The tunnel comes up (again) and carries traffic both ways. */
static void expect_tunnel_works(void)
{
    static uint8_t mem[2048];
    tip_buf_t buf;
    int s;

    if (!in_step()) {
        /* whatever is left (an IKE SA without a CHILD SA, say) goes first */
        (void)tip_ike_terminate(&ctx[0], conn[0]);
        tip_sim_sleep(&sim, 10000, NULL);
        assert_int_equal(tip_ike_initiate(&ctx[0], conn[0]), TIP_OK);
        sleep_until_in_step(120000);
    }
    assert_true(in_step());
    for (s = 0; s < 2; s++) {
        uint32_t before = sim.n[1 - s].rx_data;
        packet(&buf, mem, sizeof(mem), s, 0);
        assert_int_equal(tip_output(&ctx[s], &buf), TIP_SENT);
        (void)tip_sim_pump(&sim);
        assert_int_equal(sim.n[1 - s].rx_data, before + 1u);
    }
}

static void scenario(trig_t t, int side, call_t c, uint64_t seed)
{
    tip_sa_stats_t st;
    tip_policy_t pol;
    tip_ike_status_t is;
    int want, s;

    memset(&sc, 0, sizeof(sc));
    sc.t = t;
    sc.c = c;
    sc.side = -1; /* nothing fires while the world is built */
    sc.spi_next = 0x6000u;
    world(t, seed);
    sc.side = side;
    fire(t);
    if (!sc.fired)
        print_error("%s on side %d: the event was not raised\n", trig[t].name, side);
    assert_true(sc.fired);
    want = expected(c);
    if (want == -100 ? sc.result == TIP_ERR_BUSY : sc.result != want) {
        print_error("%s on side %d, call %s: returned %d (%s)\n", trig[t].name, side,
                    call_name[c], sc.result, tip_strerror(sc.result));
        fail();
    }
    if (c == C_DEINIT)
        assert_true(sc.deinit_state_ok);
    if (t == T_ACQUIRE && c == C_OUTPUT) {
        /* the same packet again from inside its own ACQUIRE: no second one */
        assert_int_equal(sc.result, TIP_ERR_NO_SA);
        assert_int_equal(sc.acquires, 1);
    }

    /* let everything that follows happen: timers, answers, rekeys */
    tip_sim_sleep(&sim, 120000, NULL);
    for (s = 0; s < 2; s++)
        expect_tables(s, !destructive(c));
    assert_int_equal(sc.late_events, 0);
    /* what the callback installed was not undone by the core */
    if (sc.added_sa != 0) { /* there, and untouched: nothing was sent or taken on it */
        assert_int_equal(tip_sad_stats(&ctx[side], sc.added_sa, &st), TIP_OK);
        assert_true(st.packets == 0 && st.seq == 0);
    }
    if (sc.added_pol != 0)
        assert_int_equal(tip_spd_get(&ctx[side], sc.added_pol, &pol), TIP_OK);
    if (sc.added_conn != 0)
        assert_int_equal(tip_ike_status(&ctx[side], sc.added_conn, &is), TIP_OK);

    if (!(trig[t].world & W_BAD) && !destructive(c) && !sc.conn_deleted) {
        if (c == C_SET_CB)
            tip_ctx_set_event_cb(&ctx[side], on_event, (void *)(intptr_t)side);
        expect_tunnel_works();
        for (s = 0; s < 2; s++)
            expect_tables(s, 1);
    }
}

static void run_trigger(trig_t t)
{
    int side, sides = (trig[t].world & W_BOTH) ? 2 : 1;
    unsigned c;

    for (side = 0; side < sides; side++)
        for (c = 0; c < C_COUNT; c++)
            scenario(t, side, (call_t)c, 100u * (unsigned)t + 10u * (unsigned)side + c);
}

#define TRIGGER_TEST(name, t)                                                             \
    static void name(void **state)                                                        \
    {                                                                                     \
        (void)state;                                                                      \
        run_trigger(t);                                                                   \
    }

TRIGGER_TEST(test_soft_expired_poll, T_SOFT_POLL)
TRIGGER_TEST(test_hard_expired_poll, T_HARD_POLL)
TRIGGER_TEST(test_soft_expired_output, T_SOFT_OUT)
TRIGGER_TEST(test_hard_expired_output, T_HARD_OUT)
TRIGGER_TEST(test_hard_expired_input, T_HARD_IN)
TRIGGER_TEST(test_rekey_needed, T_REKEY_NEEDED)
TRIGGER_TEST(test_seq_exhausted, T_SEQ_EXHAUSTED)
TRIGGER_TEST(test_acquire, T_ACQUIRE)
TRIGGER_TEST(test_ike_up, T_IKE_UP)
TRIGGER_TEST(test_child_up, T_CHILD_UP)
TRIGGER_TEST(test_child_rekeyed, T_CHILD_REKEYED)
TRIGGER_TEST(test_ike_rekeyed, T_IKE_REKEYED)
TRIGGER_TEST(test_child_down, T_CHILD_DOWN)
TRIGGER_TEST(test_ike_down, T_IKE_DOWN)
TRIGGER_TEST(test_ike_down_dead_peer, T_IKE_DOWN_DEAD)
TRIGGER_TEST(test_auth_failed, T_AUTH_FAILED)
TRIGGER_TEST(test_proposal_mismatch, T_PROPOSAL)
TRIGGER_TEST(test_conn_del_child_down, T_DEL_CHILD)
TRIGGER_TEST(test_conn_del_ike_down, T_DEL_IKE)
#if TIP_CONF_IKE_CP
TRIGGER_TEST(test_virtual_ip, T_VIRTUAL_IP)
#endif
#if TIP_CONF_IKE_MOBIKE
TRIGGER_TEST(test_ike_moved, T_IKE_MOVED)
#endif

/* Every kind of event is covered by some trigger. */
static void test_every_event_covered(void **state)
{
    int seen[TIP_EV_COUNT_] = {0};
    unsigned t, e;
    (void)state;
    for (t = 0; t < T_COUNT; t++)
        seen[trig[t].ev] = 1;
#if !TIP_CONF_IKE_CP
    seen[TIP_EV_VIRTUAL_IP] = 1; /* compiled out: nothing raises it */
#endif
#if !TIP_CONF_IKE_MOBIKE
    seen[TIP_EV_IKE_MOVED] = 1;
#endif
    for (e = 1; e < TIP_EV_COUNT_; e++) {
        if (!seen[e])
            print_error("no trigger raises %s\n", tip_event_name((tip_event_type_t)e));
        assert_true(seen[e]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_event_covered),
        cmocka_unit_test(test_soft_expired_poll),
        cmocka_unit_test(test_hard_expired_poll),
        cmocka_unit_test(test_soft_expired_output),
        cmocka_unit_test(test_hard_expired_output),
        cmocka_unit_test(test_hard_expired_input),
        cmocka_unit_test(test_rekey_needed),
        cmocka_unit_test(test_seq_exhausted),
        cmocka_unit_test(test_acquire),
        cmocka_unit_test(test_ike_up),
        cmocka_unit_test(test_child_up),
        cmocka_unit_test(test_child_rekeyed),
        cmocka_unit_test(test_ike_rekeyed),
        cmocka_unit_test(test_child_down),
        cmocka_unit_test(test_ike_down),
        cmocka_unit_test(test_ike_down_dead_peer),
        cmocka_unit_test(test_auth_failed),
        cmocka_unit_test(test_proposal_mismatch),
        cmocka_unit_test(test_conn_del_child_down),
        cmocka_unit_test(test_conn_del_ike_down),
#if TIP_CONF_IKE_CP
        cmocka_unit_test(test_virtual_ip),
#endif
#if TIP_CONF_IKE_MOBIKE
        cmocka_unit_test(test_ike_moved),
#endif
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    (void)tip_ctx_deinit(&ctx[0]);
    (void)tip_ctx_deinit(&ctx[1]);
    return r;
}
