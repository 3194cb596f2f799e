/* An application with the library's layout but another keepalive interval. */
#define TIP_MAX_SA 24
#define TIP_NATT_KEEPALIVE_MS 20000u
