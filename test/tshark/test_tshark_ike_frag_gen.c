/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Generator for test_tshark_ike_frag.sh: two tinyipsec peers with a
 * 160-byte fragment size set up an IKE SA, so IKE_AUTH goes both ways in
 * Encrypted Fragment payloads (RFC 7383). Writes
 *   OUTDIR/ike.pcap       every IKE datagram of both peers, by send time
 *   OUTDIR/expected.txt   per frame: number, exchange, and for a fragment
 *                         its Fragment Number and Total Fragments as sent
 *                         ("-" for a message sent whole)
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_FRAG TIP_CONF_AES_GCM
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_pcap.h"
#include "tip_sim.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;

static int both_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&a, conn_a, &sa) == TIP_OK && tip_ike_status(&b, conn_b, &sb) == TIP_OK &&
           sa.child_up && sb.child_up;
}

int main(int argc, char **argv)
{
    char path[512];
    tip_port_t p;
    tip_ike_conn_t k;
    tip_pcap_t pc;
    FILE *ex;
    uint32_t ia = 0, ib = 0, frame = 0, nfrag = 0;

    if (argc != 2)
        return 2;
    tip_test_port_init(&pa, 31, 1000);
    tip_test_port_init(&pb, 32, 1000);
    tip_test_port_fill(&pa, &p);
    if (tip_ctx_init(&a, &p) != TIP_OK)
        return 1;
    tip_test_port_fill(&pb, &p);
    if (tip_ctx_init(&b, &p) != TIP_OK)
        return 1;
    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    k.frag_size = 160;
    if (tip_ike_conn_add(&a, &k, &conn_a) != TIP_OK)
        return 1;
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    k.frag_size = 160;
    if (tip_ike_conn_add(&b, &k, &conn_b) != TIP_OK)
        return 1;
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", 31);
    if (tip_ike_initiate(&a, conn_a) != TIP_OK || !tip_sim_until(&sim, both_up, NULL, 5000)) {
        fprintf(stderr, "no IKE SA\n");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/ike.pcap", argv[1]);
    if (tip_pcap_open(&pc, path) != 0)
        return 1;
    snprintf(path, sizeof(path), "%s/expected.txt", argv[1]);
    ex = fopen(path, "w");
    if (ex == NULL)
        return 1;
    /* Both ports' datagrams merged by send time. */
    while (ia < tip_test_port_count(&pa) || ib < tip_test_port_count(&pb)) {
        const tip_test_sent_t *sa = tip_test_port_get(&pa, ia), *sb = tip_test_port_get(&pb, ib);
        const tip_test_sent_t *s;
        const uint8_t *m;
        if (sa != NULL && (sb == NULL || sa->t_ms <= sb->t_ms)) {
            s = sa;
            ia++;
        } else {
            s = sb;
            ib++;
        }
        if (s->kind != TIP_TEST_SENT_UDP || s->len < 36)
            continue;
        m = s->data + (s->dport == 4500 ? 4 : 0);
        if (tip_pcap_write_sent(&pc, s, NULL) != 0)
            return 1;
        frame++;
        if (m[16] == 53) {
            fprintf(ex, "%u\t%u\t%u\t%u\n", frame, m[18], tip_load_be16(m + 32),
                    tip_load_be16(m + 34));
            nfrag++;
        } else {
            fprintf(ex, "%u\t%u\t-\t-\n", frame, m[18]);
        }
    }
    fclose(ex);
    tip_pcap_close(&pc);
    if (nfrag < 4) {
        fprintf(stderr, "IKE_AUTH was not fragmented both ways (%u fragments)\n", nfrag);
        return 1;
    }
    return 0;
}
