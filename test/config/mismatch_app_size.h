/* An application whose tip_ctx_t is smaller than the library's. */
#define TIP_MAX_SA 8
#define TIP_NATT_KEEPALIVE_MS 5000u
