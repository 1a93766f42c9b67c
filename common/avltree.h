/* An intrusive AVL tree: the nodes live inside the caller's objects, so the tree never
 * allocates. Ordering comes from a comparison callback. An optional "update" callback keeps
 * per-node summaries of the node's subtree (augmented tree): the tree calls it on every node
 * whose subtree may have changed, children before parents, so the callback may read the
 * summaries of node->left and node->right. */
#ifndef COMMON_AVLTREE_H
#define COMMON_AVLTREE_H

#include <stddef.h>
#include <stdbool.h>

struct avl_node {
    struct avl_node *parent;
    struct avl_node *left;
    struct avl_node *right;
    int height; /* of the subtree rooted here; a leaf has height 1 */
};

/* Orders two nodes: negative, zero or positive like memcmp. */
typedef int (*avl_cmp_fn)(const struct avl_node *a, const struct avl_node *b);
/* Compares a search key with a node: negative if key sorts before node. */
typedef int (*avl_key_cmp_fn)(const void *key, const struct avl_node *node);
/* Recomputes node's subtree summary from node itself and its children's summaries. */
typedef void (*avl_update_fn)(struct avl_node *node);

struct avl_tree {
    struct avl_node *root;
    avl_cmp_fn cmp;
    avl_update_fn update; /* may be NULL */
};

#define avl_entry(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

void avl_init(struct avl_tree *tree, avl_cmp_fn cmp, avl_update_fn update);

/* Inserts node; a node equal to existing ones goes after them. */
void avl_insert(struct avl_tree *tree, struct avl_node *node);
void avl_remove(struct avl_tree *tree, struct avl_node *node);
/* The caller changed node's data in place without changing its order: refresh the summaries
 * from node up to the root. */
void avl_node_changed(struct avl_tree *tree, struct avl_node *node);

/* Lookups by key: an equal node, the greatest node <= key, the least node >= key; NULL when
 * there is none. With equal nodes, find_le returns the last and find_ge the first. */
struct avl_node *avl_find(const struct avl_tree *tree, const void *key, avl_key_cmp_fn cmp);
struct avl_node *avl_find_le(const struct avl_tree *tree, const void *key, avl_key_cmp_fn cmp);
struct avl_node *avl_find_ge(const struct avl_tree *tree, const void *key, avl_key_cmp_fn cmp);

struct avl_node *avl_first(const struct avl_tree *tree);
struct avl_node *avl_last(const struct avl_tree *tree);
struct avl_node *avl_next(const struct avl_node *node);
struct avl_node *avl_prev(const struct avl_node *node);

static inline bool avl_empty(const struct avl_tree *tree) {
    return tree->root == NULL;
}

/* Checks every invariant (parent links, heights, balance, order); returns the node count, or
 * -1 if the tree is damaged. Linear time: for tests and debugging. */
long avl_verify(const struct avl_tree *tree);

#endif
