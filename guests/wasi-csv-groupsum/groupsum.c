/*
 * wasi-csv-groupsum: a plain C command-line program (C11, wasi-libc's stdio, stdlib and string;
 * no Edgerun header). It reads a CSV table with a header line on stdin, groups the rows by one
 * column and sums another (integers), and prints one line per group, sorted by key (byte order):
 *
 *     <key>,<rows>,<sum>
 *
 * Usage: groupsum KEY_COLUMN VALUE_COLUMN   (column names from the header line)
 *
 * Fields are separated by commas; no quoting. Exit codes: 0 done, 2 bad usage or unknown column,
 * 3 a row without the columns or with a value that is not an integer (the line number on
 * stderr), 4 a sum out of range. Built for wasm32-wasip1 by scripts/build-guests.sh with Debian's
 * clang and wasi-libc and clang's default target features; it builds for the host unchanged
 * (`cc groupsum.c`).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct group {
    char *key;
    long long rows;
    long long sum;
};

static struct group *groups;
static size_t group_count, group_capacity;

/* Reads one line (without its newline) into a growing buffer; NULL at end of input. */
static char *read_line(char **buffer, size_t *capacity) {
    size_t len = 0;
    int c;
    while ((c = getchar()) != EOF && c != '\n') {
        if (len + 1 >= *capacity) {
            *capacity = *capacity ? *capacity * 2 : 256;
            *buffer = realloc(*buffer, *capacity);
            if (!*buffer) { fputs("groupsum: out of memory\n", stderr); exit(4); }
        }
        (*buffer)[len++] = (char)c;
    }
    if (c == EOF && len == 0) return NULL;
    if (!*buffer) { *capacity = 1; *buffer = malloc(1); if (!*buffer) exit(4); }
    if (len > 0 && (*buffer)[len - 1] == '\r') len--;
    (*buffer)[len] = '\0';
    return *buffer;
}

/* Splits `line` in place at commas; returns the number of fields (at most `max`). */
static size_t split(char *line, char **fields, size_t max) {
    size_t n = 0;
    char *start = line;
    for (char *p = line;; p++) {
        if (*p == ',' || *p == '\0') {
            int end = *p == '\0';
            *p = '\0';
            if (n < max) fields[n++] = start;
            if (end) return n;
            start = p + 1;
        }
    }
}

static size_t column_index(char **header, size_t columns, const char *name) {
    for (size_t i = 0; i < columns; i++)
        if (strcmp(header[i], name) == 0) return i;
    fprintf(stderr, "groupsum: no column %s\n", name);
    exit(2);
}

static struct group *find_group(const char *key) {
    for (size_t i = 0; i < group_count; i++)
        if (strcmp(groups[i].key, key) == 0) return &groups[i];
    if (group_count == group_capacity) {
        group_capacity = group_capacity ? group_capacity * 2 : 16;
        groups = realloc(groups, group_capacity * sizeof *groups);
        if (!groups) { fputs("groupsum: out of memory\n", stderr); exit(4); }
    }
    struct group *g = &groups[group_count++];
    g->key = strdup(key);
    if (!g->key) { fputs("groupsum: out of memory\n", stderr); exit(4); }
    g->rows = 0;
    g->sum = 0;
    return g;
}

static int by_key(const void *a, const void *b) {
    return strcmp(((const struct group *)a)->key, ((const struct group *)b)->key);
}

#define MAX_COLUMNS 256

int main(int argc, char **argv) {
    if (argc != 3) {
        fputs("usage: groupsum KEY_COLUMN VALUE_COLUMN\n", stderr);
        return 2;
    }
    char *line = NULL;
    size_t capacity = 0;
    char *fields[MAX_COLUMNS];
    if (!read_line(&line, &capacity)) {
        fputs("groupsum: no header line\n", stderr);
        return 2;
    }
    size_t columns = split(line, fields, MAX_COLUMNS);
    size_t key_column = column_index(fields, columns, argv[1]);
    size_t value_column = column_index(fields, columns, argv[2]);
    size_t needed = (key_column > value_column ? key_column : value_column) + 1;

    for (long line_number = 2; read_line(&line, &capacity); line_number++) {
        if (line[0] == '\0') continue;
        size_t n = split(line, fields, MAX_COLUMNS);
        if (n < needed) {
            fprintf(stderr, "groupsum: line %ld has %zu fields\n", line_number, n);
            return 3;
        }
        char *end;
        errno = 0;
        long long value = strtoll(fields[value_column], &end, 10);
        if (errno != 0 || end == fields[value_column] || *end != '\0') {
            fprintf(stderr, "groupsum: line %ld: not an integer: %s\n", line_number, fields[value_column]);
            return 3;
        }
        struct group *g = find_group(fields[key_column]);
        if ((value > 0 && g->sum > LLONG_MAX - value) || (value < 0 && g->sum < LLONG_MIN - value)) {
            fprintf(stderr, "groupsum: line %ld: the sum of %s leaves the 64-bit range\n", line_number, g->key);
            return 4;
        }
        g->sum += value;
        g->rows++;
    }
    qsort(groups, group_count, sizeof *groups, by_key);
    for (size_t i = 0; i < group_count; i++)
        printf("%s,%lld,%lld\n", groups[i].key, groups[i].rows, groups[i].sum);
    return 0;
}
