#include "common/avltree.h"

static int height(const struct avl_node *n) {
    return n ? n->height : 0;
}

static int max_int(int a, int b) {
    return a > b ? a : b;
}

static void refresh(const struct avl_tree *tree, struct avl_node *n) {
    n->height = 1 + max_int(height(n->left), height(n->right));
    if (tree->update)
        tree->update(n);
}

/* Makes parent point at new_child where it pointed at old_child (or the root). */
static void replace_child(struct avl_tree *tree, struct avl_node *parent,
                          struct avl_node *old_child, struct avl_node *new_child) {
    if (!parent)
        tree->root = new_child;
    else if (parent->left == old_child)
        parent->left = new_child;
    else
        parent->right = new_child;
    if (new_child)
        new_child->parent = parent;
}

/*     x              y
 *    / \            / \
 *   a   y    =>    x   c
 *      / \        / \
 *     b   c      a   b      */
static struct avl_node *rotate_left(struct avl_tree *tree, struct avl_node *x) {
    struct avl_node *y = x->right;
    replace_child(tree, x->parent, x, y);
    x->right = y->left;
    if (y->left)
        y->left->parent = x;
    y->left = x;
    x->parent = y;
    refresh(tree, x);
    refresh(tree, y);
    return y;
}

static struct avl_node *rotate_right(struct avl_tree *tree, struct avl_node *x) {
    struct avl_node *y = x->left;
    replace_child(tree, x->parent, x, y);
    x->left = y->right;
    if (y->right)
        y->right->parent = x;
    y->right = x;
    x->parent = y;
    refresh(tree, x);
    refresh(tree, y);
    return y;
}

/* Restores balance and summaries from n up to the root. Summaries change all the way up
 * even when heights stop changing, so the walk never stops early. */
static void rebalance_upwards(struct avl_tree *tree, struct avl_node *n) {
    while (n) {
        refresh(tree, n);
        int balance = height(n->left) - height(n->right);
        if (balance > 1) {
            if (height(n->left->left) < height(n->left->right))
                rotate_left(tree, n->left);
            n = rotate_right(tree, n);
        } else if (balance < -1) {
            if (height(n->right->right) < height(n->right->left))
                rotate_right(tree, n->right);
            n = rotate_left(tree, n);
        }
        n = n->parent;
    }
}

void avl_init(struct avl_tree *tree, avl_cmp_fn cmp, avl_update_fn update) {
    tree->root = NULL;
    tree->cmp = cmp;
    tree->update = update;
}

void avl_insert(struct avl_tree *tree, struct avl_node *node) {
    node->left = node->right = NULL;
    node->height = 1;
    struct avl_node *parent = NULL, **link = &tree->root;
    while (*link) {
        parent = *link;
        link = tree->cmp(node, parent) < 0 ? &parent->left : &parent->right;
    }
    node->parent = parent;
    *link = node;
    rebalance_upwards(tree, node);
}

void avl_remove(struct avl_tree *tree, struct avl_node *node) {
    struct avl_node *start; /* lowest node whose subtree changed */
    if (node->left && node->right) {
        /* Put the successor in node's place; it has no left child. */
        struct avl_node *succ = node->right;
        while (succ->left)
            succ = succ->left;
        if (succ->parent == node) {
            start = succ;
        } else {
            start = succ->parent;
            replace_child(tree, succ->parent, succ, succ->right);
            succ->right = node->right;
            succ->right->parent = succ;
        }
        succ->left = node->left;
        succ->left->parent = succ;
        replace_child(tree, node->parent, node, succ);
    } else {
        struct avl_node *child = node->left ? node->left : node->right;
        start = node->parent;
        replace_child(tree, node->parent, node, child);
    }
    node->parent = node->left = node->right = NULL;
    rebalance_upwards(tree, start);
}

void avl_node_changed(struct avl_tree *tree, struct avl_node *node) {
    if (!tree->update)
        return;
    for (; node; node = node->parent)
        tree->update(node);
}

struct avl_node *avl_find(const struct avl_tree *tree, const void *key, avl_key_cmp_fn cmp) {
    struct avl_node *n = tree->root;
    while (n) {
        int c = cmp(key, n);
        if (c == 0)
            return n;
        n = c < 0 ? n->left : n->right;
    }
    return NULL;
}

struct avl_node *avl_find_le(const struct avl_tree *tree, const void *key, avl_key_cmp_fn cmp) {
    struct avl_node *n = tree->root, *best = NULL;
    while (n) {
        if (cmp(key, n) >= 0) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

struct avl_node *avl_find_ge(const struct avl_tree *tree, const void *key, avl_key_cmp_fn cmp) {
    struct avl_node *n = tree->root, *best = NULL;
    while (n) {
        if (cmp(key, n) <= 0) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

struct avl_node *avl_first(const struct avl_tree *tree) {
    struct avl_node *n = tree->root;
    while (n && n->left)
        n = n->left;
    return n;
}

struct avl_node *avl_last(const struct avl_tree *tree) {
    struct avl_node *n = tree->root;
    while (n && n->right)
        n = n->right;
    return n;
}

struct avl_node *avl_next(const struct avl_node *node) {
    if (node->right) {
        node = node->right;
        while (node->left)
            node = node->left;
        return (struct avl_node *)node;
    }
    while (node->parent && node->parent->right == node)
        node = node->parent;
    return node->parent;
}

struct avl_node *avl_prev(const struct avl_node *node) {
    if (node->left) {
        node = node->left;
        while (node->right)
            node = node->right;
        return (struct avl_node *)node;
    }
    while (node->parent && node->parent->left == node)
        node = node->parent;
    return node->parent;
}

/* Returns the subtree's node count, or -1 on a broken invariant. */
static long verify_subtree(const struct avl_node *n, const struct avl_node *parent) {
    if (!n)
        return 0;
    if (n->parent != parent)
        return -1;
    long left = verify_subtree(n->left, n);
    long right = verify_subtree(n->right, n);
    if (left < 0 || right < 0)
        return -1;
    int balance = height(n->left) - height(n->right);
    if (n->height != 1 + max_int(height(n->left), height(n->right)) || balance < -1 || balance > 1)
        return -1;
    return left + right + 1;
}

long avl_verify(const struct avl_tree *tree) {
    long count = verify_subtree(tree->root, NULL);
    if (count < 0)
        return -1;
    long seen = 0;
    const struct avl_node *prev = NULL;
    for (const struct avl_node *n = avl_first(tree); n; n = avl_next(n)) {
        if (prev && tree->cmp(prev, n) > 0)
            return -1;
        prev = n;
        if (++seen > count)
            return -1;
    }
    return seen == count ? count : -1;
}
