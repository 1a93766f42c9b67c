/* unit-sources: common/avltree.c */
/* The AVL tree: fixed cases, then long random sequences of inserts and removals checked
 * against a sorted array, with every invariant and the augmented summaries verified. */
#include "common/avltree.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/check.h"

struct item {
    struct avl_node node;
    long key;
    int serial;       /* insertion order, to check where equal keys go */
    long subtree_sum; /* augmented: sum of the keys in the subtree */
    long subtree_min;
};

static struct item *item_of(const struct avl_node *n) {
    return n ? avl_entry(n, struct item, node) : NULL;
}

static int cmp_items(const struct avl_node *a, const struct avl_node *b) {
    long x = item_of(a)->key, y = item_of(b)->key;
    return x < y ? -1 : x > y;
}

static int cmp_key(const void *key, const struct avl_node *n) {
    long x = *(const long *)key, y = item_of(n)->key;
    return x < y ? -1 : x > y;
}

static void update_sum(struct avl_node *n) {
    struct item *it = item_of(n);
    it->subtree_sum = it->key;
    it->subtree_min = it->key;
    if (n->left) {
        it->subtree_sum += item_of(n->left)->subtree_sum;
        it->subtree_min = item_of(n->left)->subtree_min;
    }
    if (n->right)
        it->subtree_sum += item_of(n->right)->subtree_sum;
}

/* Recomputes every summary from scratch and compares; returns the subtree sum. */
static long check_summaries(const struct avl_node *n, int *bad) {
    if (!n)
        return 0;
    long sum = item_of(n)->key + check_summaries(n->left, bad) + check_summaries(n->right, bad);
    if (sum != item_of(n)->subtree_sum)
        (*bad)++;
    const struct avl_node *m = n;
    while (m->left)
        m = m->left;
    if (item_of(m)->key != item_of(n)->subtree_min)
        (*bad)++;
    return sum;
}

static void test_empty(void) {
    struct avl_tree t;
    avl_init(&t, cmp_items, NULL);
    long k = 5;
    CHECK(avl_empty(&t), "new tree is empty");
    CHECK(!avl_first(&t) && !avl_last(&t), "empty tree has no first/last");
    CHECK(!avl_find(&t, &k, cmp_key) && !avl_find_le(&t, &k, cmp_key) &&
              !avl_find_ge(&t, &k, cmp_key),
          "lookups in an empty tree find nothing");
    CHECK(avl_verify(&t) == 0, "empty tree verifies with 0 nodes");
}

static void test_fixed(void) {
    struct avl_tree t;
    avl_init(&t, cmp_items, update_sum);
    struct item items[100];
    /* Ascending inserts are the classic worst case for an unbalanced tree. */
    for (int i = 0; i < 100; i++) {
        items[i] = (struct item){.key = i * 10, .serial = i};
        avl_insert(&t, &items[i].node);
    }
    CHECK(avl_verify(&t) == 100, "100 ascending inserts verify");
    CHECK(t.root->height <= 8, "height %d of 100 nodes is logarithmic", t.root->height);
    int bad = 0;
    CHECK(check_summaries(t.root, &bad) == 49500 && !bad, "summaries after inserts");

    long k = 55;
    CHECK(item_of(avl_find_le(&t, &k, cmp_key))->key == 50, "find_le between keys");
    CHECK(item_of(avl_find_ge(&t, &k, cmp_key))->key == 60, "find_ge between keys");
    CHECK(!avl_find(&t, &k, cmp_key), "find of a missing key");
    k = 50;
    CHECK(item_of(avl_find(&t, &k, cmp_key))->key == 50, "find of a present key");
    CHECK(item_of(avl_find_le(&t, &k, cmp_key))->key == 50, "find_le of an equal key");
    CHECK(item_of(avl_find_ge(&t, &k, cmp_key))->key == 50, "find_ge of an equal key");
    k = -1;
    CHECK(!avl_find_le(&t, &k, cmp_key), "find_le below the smallest");
    CHECK(item_of(avl_find_ge(&t, &k, cmp_key))->key == 0, "find_ge below the smallest");
    k = 991;
    CHECK(item_of(avl_find_le(&t, &k, cmp_key))->key == 990, "find_le above the largest");
    CHECK(!avl_find_ge(&t, &k, cmp_key), "find_ge above the largest");
    CHECK(item_of(avl_first(&t))->key == 0 && item_of(avl_last(&t))->key == 990, "first/last");
    CHECK(!avl_prev(avl_first(&t)) && !avl_next(avl_last(&t)), "no prev of first, next of last");

    /* Remove every other node, including the root several times over. */
    for (int i = 0; i < 100; i += 2) {
        avl_remove(&t, &items[i].node);
        if (avl_verify(&t) < 0) {
            CHECK(0, "tree broken after removing key %ld", items[i].key);
            break;
        }
    }
    CHECK(avl_verify(&t) == 50, "50 nodes left");
    bad = 0;
    long expect = 0;
    for (int i = 1; i < 100; i += 2)
        expect += i * 10;
    CHECK(check_summaries(t.root, &bad) == expect && !bad, "summaries after removals");

    /* In-place change that keeps the order: summaries follow avl_node_changed. */
    items[51].key = 511;
    avl_node_changed(&t, &items[51].node);
    bad = 0;
    CHECK(check_summaries(t.root, &bad) == expect + 1 && !bad, "summaries after a node change");

    for (int i = 1; i < 100; i += 2)
        avl_remove(&t, &items[i].node);
    CHECK(avl_empty(&t) && avl_verify(&t) == 0, "tree empty after removing everything");
}

static void test_duplicates(void) {
    struct avl_tree t;
    avl_init(&t, cmp_items, NULL);
    struct item items[30];
    for (int i = 0; i < 30; i++) {
        items[i] = (struct item){.key = i % 3, .serial = i};
        avl_insert(&t, &items[i].node);
    }
    CHECK(avl_verify(&t) == 30, "tree with duplicate keys verifies");
    /* Equal keys keep their insertion order. */
    int last_serial[3] = {-1, -1, -1};
    bool ordered = true;
    for (struct avl_node *n = avl_first(&t); n; n = avl_next(n)) {
        struct item *it = item_of(n);
        if (it->serial < last_serial[it->key])
            ordered = false;
        last_serial[it->key] = it->serial;
    }
    CHECK(ordered, "equal keys iterate in insertion order");
    long k = 1;
    CHECK(item_of(avl_find_le(&t, &k, cmp_key))->serial == 28, "find_le gives the last equal");
    CHECK(item_of(avl_find_ge(&t, &k, cmp_key))->serial == 1, "find_ge gives the first equal");
}

/* ---- Random operations against a sorted array ------------------------------------------ */

#define POOL 600
#define KEY_RANGE 400

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

static void test_random(void) {
    struct avl_tree t;
    avl_init(&t, cmp_items, update_sum);
    static struct item pool[POOL];
    static bool in_tree[POOL];
    memset(in_tree, 0, sizeof(in_tree));
    long model[POOL];
    int model_len = 0;
    int errors_before = failures;

    for (int step = 0; step < 40000 && failures - errors_before < 10; step++) {
        int slot = (int)(rng() % POOL);
        if (!in_tree[slot]) {
            pool[slot].key = (long)(rng() % KEY_RANGE);
            avl_insert(&t, &pool[slot].node);
            in_tree[slot] = true;
            model[model_len++] = pool[slot].key;
        } else {
            avl_remove(&t, &pool[slot].node);
            in_tree[slot] = false;
            for (int i = 0; i < model_len; i++) {
                if (model[i] == pool[slot].key) {
                    model[i] = model[--model_len];
                    break;
                }
            }
        }
        qsort(model, (size_t)model_len, sizeof(long), cmp_long);

        if (step % 97 == 0 || step < 200) {
            long count = avl_verify(&t);
            CHECK(count == model_len, "step %d: verify gives %ld, model has %d", step, count,
                  model_len);
            int bad = 0;
            long sum = check_summaries(t.root, &bad), expect = 0;
            for (int i = 0; i < model_len; i++)
                expect += model[i];
            CHECK(!bad && sum == expect, "step %d: summaries", step);
            /* Forward and backward walks give the model's order. */
            int i = 0;
            bool same = true;
            for (struct avl_node *n = avl_first(&t); n; n = avl_next(n), i++)
                same = same && i < model_len && item_of(n)->key == model[i];
            CHECK(same && i == model_len, "step %d: forward walk", step);
            i = model_len - 1;
            same = true;
            for (struct avl_node *n = avl_last(&t); n; n = avl_prev(n), i--)
                same = same && i >= 0 && item_of(n)->key == model[i];
            CHECK(same && i == -1, "step %d: backward walk", step);
        }

        long key = (long)(rng() % (KEY_RANGE + 20)) - 10;
        long le = -1000, ge = -1000;
        bool has_le = false, has_ge = false, present = false;
        for (int i = 0; i < model_len; i++) {
            if (model[i] <= key) {
                le = model[i];
                has_le = true;
            }
            if (model[i] >= key && !has_ge) {
                ge = model[i];
                has_ge = true;
            }
            present = present || model[i] == key;
        }
        struct avl_node *n = avl_find_le(&t, &key, cmp_key);
        CHECK(has_le ? n && item_of(n)->key == le : !n, "step %d: find_le(%ld)", step, key);
        n = avl_find_ge(&t, &key, cmp_key);
        CHECK(has_ge ? n && item_of(n)->key == ge : !n, "step %d: find_ge(%ld)", step, key);
        n = avl_find(&t, &key, cmp_key);
        CHECK(present ? n && item_of(n)->key == key : !n, "step %d: find(%ld)", step, key);
    }
    long height_bound = 0;
    for (long n = model_len + 2; n > 1; n = n * 2 / 3)
        height_bound++; /* 1.44 log2(n) is the AVL bound; this is looser */
    CHECK(!t.root || t.root->height <= height_bound + 2, "height %d for %d nodes",
          t.root ? t.root->height : 0, model_len);
}

int main(void) {
    test_empty();
    test_fixed();
    test_duplicates();
    test_random();
    if (failures) {
        printf("test_avltree: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_avltree: ok\n");
    return 0;
}
