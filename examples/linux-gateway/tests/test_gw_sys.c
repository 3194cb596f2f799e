/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway, sys.c: what it does to the system as root.
 *  - the key log files (keys in clear) are opened without following a
 *    symbolic link, never through a hard link or into a file someone else
 *    owns, and are never left readable by group or others;
 *  - ip(8) is run from a fixed, root-owned location, never found through
 *    $PATH.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sys.h"

static char dir[256];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tip-gw-sys-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int remove_dir(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void path_in_dir(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void assert_file_is(const char *path, const char *text)
{
    char buf[256];
    size_t n;
    FILE *f = fopen(path, "r");

    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, text);
}

static void test_keylog_new_file_is_private(void **state)
{
    char err[256], path[300];
    struct stat st;
    mode_t old = umask(0); /* the file's mode must not depend on the umask */
    (void)state;

    assert_int_equal(gw_keylog_append(dir, "esp_sa", "line 1", err, sizeof(err)), 0);
    assert_int_equal(gw_keylog_append(dir, "esp_sa", "line 2", err, sizeof(err)), 0);
    umask(old);
    path_in_dir(path, sizeof(path), "esp_sa");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_file_is(path, "line 1\nline 2\n");
}

static void test_keylog_does_not_follow_a_symlink(void **state)
{
    char err[256], lnk[300], target[300];
    (void)state;

    path_in_dir(target, sizeof(target), "elsewhere");
    path_in_dir(lnk, sizeof(lnk), "esp_sa");
    write_file(target, "precious\n", 0600);
    assert_int_equal(symlink(target, lnk), 0);
    assert_int_equal(gw_keylog_append(dir, "esp_sa", "secret", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "esp_sa"));
    assert_file_is(target, "precious\n");
}

static void test_keylog_refuses_a_hard_link(void **state)
{
    char err[256], lnk[300], target[300];
    (void)state;

    path_in_dir(target, sizeof(target), "elsewhere");
    path_in_dir(lnk, sizeof(lnk), "ikev2_decryption_table");
    write_file(target, "precious\n", 0600);
    assert_int_equal(link(target, lnk), 0);
    assert_int_equal(gw_keylog_append(dir, "ikev2_decryption_table", "secret", err, sizeof(err)),
                     -1);
    assert_file_is(target, "precious\n");
}

static void test_keylog_refuses_a_file_others_can_read(void **state)
{
    char err[256], path[300];
    struct stat st;
    (void)state;

    path_in_dir(path, sizeof(path), "esp_sa");
    write_file(path, "", 0644);
    assert_int_equal(gw_keylog_append(dir, "esp_sa", "secret", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "chmod 600"));
    assert_file_is(path, ""); /* no key written where others may read it */
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644); /* and the file left as it was */
}

static void test_keylog_refuses_a_fifo(void **state)
{
    char err[256], path[300];
    (void)state;

    path_in_dir(path, sizeof(path), "esp_sa");
    assert_int_equal(mkfifo(path, 0600), 0);
    /* O_NONBLOCK on a FIFO without a reader fails with ENXIO: no hang either way */
    assert_int_equal(gw_keylog_append(dir, "esp_sa", "secret", err, sizeof(err)), -1);
}

/* A fake ip(8) early in $PATH must not be what the gateway runs. */
static void test_ip_is_not_found_through_path(void **state)
{
    char fake[300], marker[300], newpath[4400];
    const char *old = getenv("PATH");
    const char *const argv[] = {"ip", "-V", NULL};
    char *saved = old != NULL ? strdup(old) : NULL;
    int r;
    (void)state;

    path_in_dir(fake, sizeof(fake), "ip");
    path_in_dir(marker, sizeof(marker), "fake-ip-ran");
    {
        char script[700];

        snprintf(script, sizeof(script), "#!/bin/sh\ntouch '%s'\nexit 0\n", marker);
        write_file(fake, script, 0755);
    }
    snprintf(newpath, sizeof(newpath), "%s:%s", dir, old != NULL ? old : "/usr/bin:/bin");
    setenv("PATH", newpath, 1);
    r = gw_run_ip(argv);
    if (saved != NULL) {
        setenv("PATH", saved, 1);
        free(saved);
    }
    assert_int_not_equal(access(marker, F_OK), 0); /* the fake never ran */
    /* The real one ran if the system has it where the gateway looks. */
    if (access("/usr/sbin/ip", X_OK) == 0 || access("/sbin/ip", X_OK) == 0)
        assert_int_equal(r, 0);
    else
        assert_int_equal(r, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keylog_new_file_is_private, setup_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_keylog_does_not_follow_a_symlink, setup_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_keylog_refuses_a_hard_link, setup_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_keylog_refuses_a_file_others_can_read, setup_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_ip_is_not_found_through_path, setup_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_keylog_refuses_a_fifo, setup_dir, remove_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
