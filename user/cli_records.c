// SPDX-License-Identifier: GPL-2.0
/*
 * cli_records.c - the CLI's rule records (handle, priority, match, action,
 * comment) in the pinned userspace-only hash map cli_rules.
 *
 * Records are stored in chunks of CLI_CHUNK by handle: key (container id,
 * (handle - 1) / CLI_CHUNK), value CLI_CHUNK slots, an empty slot has
 * handle 0. A million rules are then some 16k map elements: the kernel
 * allocates per element, so loading them costs a fraction of a million
 * single inserts, and one rule is still read or written with one lookup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cli.h"

#define CLI_DUMP	256	/* chunks per batch read */

static __u32 cli_chunk_of(__u32 handle)
{
	return (handle - 1) / CLI_CHUNK;
}

int cli_rec_create_size(__u32 *ksz, __u32 *vsz, __u32 *max)
{
	*ksz = sizeof(struct cli_chunk_key);
	*vsz = sizeof(struct cli_chunk);
	*max = 2 * CLI_MAX_RULES / CLI_CHUNK;
	return 0;
}

/* Append the used slots of @n chunks to the output arrays. */
static void cli_rec_expand(const struct cli_chunk_key *k,
			   const struct cli_chunk *v, __u32 n,
			   struct cli_rule_key *keys, struct cli_rule *rules,
			   unsigned int *out)
{
	__u32 i, s;

	for (i = 0; i < n; i++)
		for (s = 0; k[i].id != CLI_INTENT_ID && s < CLI_CHUNK; s++) {
			if (!v[i].r[s].handle)
				continue;
			keys[*out].id = k[i].id;
			keys[*out].handle = v[i].r[s].handle;
			rules[(*out)++] = v[i].r[s];
		}
}

int cli_rules_all(struct cli *c, struct cli_rule_key **keys,
		  struct cli_rule **rules, unsigned int *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct cli_chunk_key *k = calloc(CLI_DUMP, sizeof(*k));
	struct cli_chunk *v = calloc(CLI_DUMP, sizeof(*v));
	size_t cap = CLI_DUMP * CLI_CHUNK;
	bool first = true;
	__u64 token = 0;
	__u32 cnt;
	int err = 0, ret;

	*n = 0;
	*keys = malloc(cap * sizeof(**keys));
	*rules = malloc(cap * sizeof(**rules));
	while (c->rules_fd >= 0 && k && v && *keys && *rules) {
		cnt = CLI_DUMP;
		ret = bpf_map_lookup_batch(c->rules_fd, first ? NULL : &token,
					   &token, k, v, &cnt, &opts);
		err = ret && errno != ENOENT ? -errno : 0;
		first = false;
		if (*n + (size_t)cnt * CLI_CHUNK > cap) {
			cap = 2 * cap + (size_t)cnt * CLI_CHUNK;
			*keys = realloc(*keys, cap * sizeof(**keys));
			*rules = realloc(*rules, cap * sizeof(**rules));
			if (!*keys || !*rules)
				break;
		}
		cli_rec_expand(k, v, cnt, *keys, *rules, n);
		if (ret)
			break;
	}
	if (!err && (!k || !v || !*keys || !*rules))
		err = -ENOMEM;
	free(k);
	free(v);
	return err;
}

/* First rule of @s with a handle of at least @h. */
static unsigned int cli_lower(const struct cli_set *s, __u32 h)
{
	unsigned int lo = 0, hi = s->nrules;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (s->rules[mid].handle < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct cli_rule *cli_rec_find(const struct cli_set *s, __u32 h)
{
	unsigned int i;

	if (!s)
		return NULL;
	i = cli_lower(s, h);
	return i < s->nrules && s->rules[i].handle == h ? &s->rules[i] : NULL;
}

static int cli_cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Sort @n chunk numbers and drop repeats; returns how many are left. */
static __u32 cli_chunks_uniq(__u32 *chunks, __u32 n)
{
	__u32 i, u = 0;

	/* One set's rules come in handle order: mostly sorted already. */
	for (i = 1; i < n && chunks[i - 1] <= chunks[i]; i++)
		;
	if (i < n)
		qsort(chunks, n, sizeof(*chunks), cli_cmp_u32);
	for (i = 0; i < n; i++)
		if (!u || chunks[u - 1] != chunks[i])
			chunks[u++] = chunks[i];
	return u;
}

/* Chunks holding a rule of @a that @b lacks or has otherwise. */
static void cli_rec_touched(const struct cli_set *a, const struct cli_set *b,
			    __u32 *chunks, __u32 *n)
{
	const struct cli_rule *o;
	unsigned int i;

	for (i = 0; a && i < a->nrules; i++) {
		o = cli_rec_find(b, a->rules[i].handle);
		if (o && cli_rule_same(o, &a->rules[i]))
			continue;
		chunks[(*n)++] = cli_chunk_of(a->rules[i].handle);
	}
}

/* The records of @to in chunk @ch; false when it has none. */
static bool cli_rec_fill(const struct cli_set *to, __u32 ch,
			 struct cli_chunk *v)
{
	unsigned int i = cli_lower(to, ch * CLI_CHUNK + 1);
	bool any = false;

	memset(v, 0, sizeof(*v));
	for (; i < to->nrules && cli_chunk_of(to->rules[i].handle) == ch; i++) {
		v->r[(to->rules[i].handle - 1) % CLI_CHUNK] = to->rules[i];
		any = true;
	}
	return any;
}

static int cli_rec_apply(struct cli *c, __u32 id, const struct cli_set *to,
			 const __u32 *chunks, __u32 n)
{
	struct cli_chunk_key *k = calloc(n ?: 1, sizeof(*k));
	struct cli_chunk *v = calloc(n ?: 1, sizeof(*v));
	struct cli_chunk_key *dk = calloc(n ?: 1, sizeof(*dk));
	__u32 i, nu = 0, nd = 0;
	int err = 0;

	if (!k || !v || !dk)
		err = -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		if (to && cli_rec_fill(to, chunks[i], &v[nu])) {
			k[nu++] = (struct cli_chunk_key){ id, chunks[i] };
			continue;
		}
		dk[nd++] = (struct cli_chunk_key){ id, chunks[i] };
	}
	if (!err && nu && bpf_map_update_batch(c->rules_fd, k, v, &nu, NULL))
		err = -errno;
	for (i = 0; !err && i < nd; i++)
		if (bpf_map_delete_elem(c->rules_fd, &dk[i]) && errno != ENOENT)
			err = -errno;
	free(k);
	free(v);
	free(dk);
	return err;
}

int cli_rec_write(struct cli *c, const struct cli_set *from,
		  const struct cli_set *to)
{
	const struct cli_set *same = from && to &&
				     from->cont.id == to->cont.id ? from : NULL;
	__u32 nf = from ? from->nrules : 0, nt = to ? to->nrules : 0;
	__u32 *chunks = malloc((nf + nt + 1) * sizeof(*chunks));
	__u32 n = 0, u;
	int err;

	if (!chunks)
		return -ENOMEM;
	if (from && !same) {
		/* Leaving id from->cont.id: every chunk of it goes. */
		cli_rec_touched(from, NULL, chunks, &n);
		u = cli_chunks_uniq(chunks, n);
		err = cli_rec_apply(c, from->cont.id, NULL, chunks, u);
		if (err)
			goto out;
		n = 0;
	}
	cli_rec_touched(same, to, chunks, &n);
	cli_rec_touched(to, same, chunks, &n);
	u = cli_chunks_uniq(chunks, n);
	err = to ? cli_rec_apply(c, to->cont.id, to, chunks, u) : 0;
out:
	free(chunks);
	return err;
}

/* Set (or clear, @r NULL) the record of @handle in container @id. */
int cli_rec_put_one(struct cli *c, __u32 id, __u32 handle,
		    const struct cli_rule *r)
{
	struct cli_chunk_key k = { id, cli_chunk_of(handle) };
	struct cli_chunk v;

	if (bpf_map_lookup_elem(c->rules_fd, &k, &v))
		memset(&v, 0, sizeof(v));
	if (r)
		v.r[(handle - 1) % CLI_CHUNK] = *r;
	else
		memset(&v.r[(handle - 1) % CLI_CHUNK], 0, sizeof(v.r[0]));
	if (bpf_map_update_elem(c->rules_fd, &k, &v, 0))
		return -errno;
	return 0;
}

/* ---- commits (cli_sync.c) ---------------------------------------------- */

static const struct cli_chunk_key cli_intent_key = { CLI_INTENT_ID, 0 };

/*
 * The chunks of @from (leaving its id) and of @to that change, filled from
 * @to or empty, and the intent last: *@n elements at *@k, *@v.
 */
static int cli_rec_build(const struct cli_set *from, const struct cli_set *to,
			 const struct cli_intent *in, struct cli_chunk_key **k,
			 struct cli_chunk **v, __u32 *n)
{
	const struct cli_set *same = from && to &&
				     from->cont.id == to->cont.id ? from : NULL;
	__u32 nf = from ? from->nrules : 0, nt = to ? to->nrules : 0;
	__u32 *chunks = malloc((nf + nt + 1) * sizeof(*chunks));
	__u32 m = 0, u, i;

	*n = 0;
	*k = calloc(nf + nt + 1, sizeof(**k));
	*v = calloc(nf + nt + 1, sizeof(**v));
	if (!chunks || !*k || !*v) {
		free(chunks);
		return -ENOMEM;
	}
	if (from && !same) {
		cli_rec_touched(from, NULL, chunks, &m);
		u = cli_chunks_uniq(chunks, m);
		for (i = 0; i < u; i++)
			(*k)[(*n)++] = (struct cli_chunk_key){ from->cont.id,
							       chunks[i] };
		m = 0;
	}
	cli_rec_touched(same, to, chunks, &m);
	cli_rec_touched(to, same, chunks, &m);
	u = cli_chunks_uniq(chunks, m);
	for (i = 0; to && i < u; i++) {
		cli_rec_fill(to, chunks[i], &(*v)[*n]);
		(*k)[(*n)++] = (struct cli_chunk_key){ to->cont.id, chunks[i] };
	}
	if (in) {
		(*k)[*n] = cli_intent_key;
		memcpy(&(*v)[(*n)++], in, sizeof(*in));
	}
	free(chunks);
	return 0;
}

int cli_rec_commit(struct cli *c, const struct cli_set *from,
		   const struct cli_set *to, const struct cli_intent *in)
{
	struct cli_chunk_key *k;
	struct cli_chunk *v;
	__u32 n, cnt;
	int err = cli_rec_build(from, to, in, &k, &v, &n);

	cnt = n;
	if (!err && n && bpf_map_update_batch(c->rules_fd, k, v, &cnt, NULL)) {
		err = -errno;
		/* Put back the chunks written before the failure. */
		if (cnt)
			cli_rec_write(c, to, from);
	}
	free(k);
	free(v);
	return err;
}

int cli_rec_commit_one(struct cli *c, __u32 id, __u32 handle,
		       const struct cli_rule *r, const struct cli_intent *in)
{
	struct cli_chunk_key k[2] = { { id, cli_chunk_of(handle) },
				      cli_intent_key };
	struct cli_chunk *v = calloc(2, sizeof(*v));
	__u32 cnt = 2;
	int err = 0;

	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(c->rules_fd, &k[0], &v[0]))
		memset(&v[0], 0, sizeof(v[0]));
	if (r)
		v[0].r[(handle - 1) % CLI_CHUNK] = *r;
	else
		memset(&v[0].r[(handle - 1) % CLI_CHUNK], 0, sizeof(*r));
	memcpy(&v[1], in, sizeof(*in));
	if (bpf_map_update_batch(c->rules_fd, k, v, &cnt, NULL))
		err = -errno;
	free(v);
	return err;
}

/* Delete the chunks of @ct's id that hold no rule (all with @all). */
static int cli_rec_prune(struct cli *c, const struct cli_cont *ct, bool all)
{
	struct cli_chunk_key k = { ct->id, 0 };
	struct cli_chunk *v = malloc(sizeof(*v));
	__u32 last = ct->next_handle ? (ct->next_handle - 1) / CLI_CHUNK : 0;
	unsigned int s;
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (k.chunk = 0; k.chunk <= last; k.chunk++) {
		if (bpf_map_lookup_elem(c->rules_fd, &k, v))
			continue;
		for (s = 0; !all && s < CLI_CHUNK && !v->r[s].handle; s++)
			;
		if ((all || s == CLI_CHUNK) &&
		    bpf_map_delete_elem(c->rules_fd, &k) && errno != ENOENT)
			err = -errno;
	}
	free(v);
	return err;
}

int cli_rec_finish(struct cli *c, const struct cli_cont *ct)
{
	int err = ct ? cli_rec_prune(c, ct, false) : 0;

	if (bpf_map_delete_elem(c->rules_fd, &cli_intent_key) &&
	    errno != ENOENT)
		err = err ?: -errno;
	return err;
}

int cli_rec_drop_all(struct cli *c, const struct cli_cont *ct)
{
	return cli_rec_prune(c, ct, true);
}

/* A container of an intent: what no command would have stored. */
static bool cli_intent_cont_bad(const struct cli_cont *ct)
{
	return !memchr(ct->name, 0, sizeof(ct->name)) || !ct->name[0] ||
	       ct->id >= RXL_MAX_CONTAINERS || ct->naddrs > CLI_MAX_ADDRS ||
	       ct->nvnis > RXL_CONT_MAX_VNIS ||
	       !memchr(ct->dev, 0, sizeof(ct->dev)) ||
	       !memchr(ct->nic, 0, sizeof(ct->nic)) ||
	       !memchr(ct->hw_reason, 0, sizeof(ct->hw_reason)) ||
	       !memchr(ct->netns, 0, sizeof(ct->netns)) ||
	       !memchr(ct->port, 0, sizeof(ct->port));
}

/*
 * The intent record's value is a whole chunk: the intent, then zeroes.
 * -EBADMSG: not an intent's magic; -EMSGSIZE: bytes past the intent (a
 * record longer than an intent); -EINVAL: flags or a container no command
 * stores. @in holds the record's first bytes all the same.
 */
static int cli_intent_valid(const struct cli_chunk *v,
			    const struct cli_intent *in)
{
	const __u8 *tail = (const __u8 *)v + sizeof(*in);
	size_t i;

	if (in->magic != CLI_INTENT_MAGIC)
		return -EBADMSG;
	for (i = 0; i < sizeof(*v) - sizeof(*in); i++)
		if (tail[i])
			return -EMSGSIZE;
	if (!in->flags || (in->flags & ~(CLI_INTENT_OLD | CLI_INTENT_NEW)) ||
	    ((in->flags & CLI_INTENT_OLD) && cli_intent_cont_bad(&in->old)) ||
	    ((in->flags & CLI_INTENT_NEW) && cli_intent_cont_bad(&in->new)))
		return -EINVAL;
	return 0;
}

int cli_intent_get(struct cli *c, struct cli_intent *in)
{
	struct cli_chunk *v;
	int err = 0;

	if (c->rules_fd < 0)
		return -ENOENT;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(c->rules_fd, &cli_intent_key, v))
		err = -ENOENT;
	memcpy(in, v, sizeof(*in));
	if (!err)
		err = cli_intent_valid(v, in);
	free(v);
	return err;
}

const char *cli_intent_bad(int err, const struct cli_intent *in,
			   char *buf, size_t len)
{
	switch (err) {
	case -EBADMSG:
		snprintf(buf, len, "bad magic 0x%08x", in->magic);
		break;
	case -EMSGSIZE:
		snprintf(buf, len, "bytes past the intent's %zu",
			 sizeof(*in));
		break;
	case -EINVAL:
		snprintf(buf, len, "bad flags 0x%x or container", in->flags);
		break;
	default:
		return NULL;
	}
	return buf;
}

/* ---- lookups by key (rxlane-cni: flat in the number of containers) ----- */

int cli_cont_by_id(struct cli *c, __u32 id, struct cli_cont *out)
{
	if (c->conts_fd < 0)
		return -ENOENT;
	c->conts_read++;
	return bpf_map_lookup_elem(c->conts_fd, &id, out) ? -errno : 0;
}

int cli_set_load_own(struct cli *c, const struct cli_cont *cont,
		     struct cli_set *s)
{
	__u32 last = cont->next_handle > 1 ? cli_chunk_of(cont->next_handle - 1)
					   : 0, ch, i;
	struct cli_chunk_key k = { .id = cont->id };
	struct cli_chunk *v = malloc(sizeof(*v));
	size_t cap = CLI_CHUNK;

	memset(s, 0, sizeof(*s));
	s->cont = *cont;
	s->rules = malloc(cap * sizeof(*s->rules));
	if (!v || !s->rules) {
		free(v);
		cli_set_free(s);
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	/* Handles are below next_handle: its chunks, in handle order. */
	for (ch = 0; cont->next_handle > 1 && ch <= last; ch++) {
		k.chunk = ch;
		if (bpf_map_lookup_elem(c->rules_fd, &k, v)) {
			if (errno == ENOENT)
				continue;
			free(v);
			cli_set_free(s);
			return cli_err(c, CLI_ERR, NULL, "reading rules: %s",
				       strerror(errno));
		}
		for (i = 0; i < CLI_CHUNK; i++) {
			if (!v->r[i].handle)
				continue;
			if (s->nrules == cap) {
				void *n = realloc(s->rules,
						  2 * cap * sizeof(*s->rules));

				if (!n) {
					free(v);
					cli_set_free(s);
					return cli_err(c, CLI_ERR, NULL,
						       "out of memory");
				}
				s->rules = n;
				cap *= 2;
			}
			s->rules[s->nrules++] = v->r[i];
		}
	}
	free(v);
	qsort(s->rules, s->nrules, sizeof(*s->rules), cli_cmp_rule_handle);
	return 0;
}

int cli_conts_dump(struct cli *c, struct cli_cont **out, unsigned int *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 max = cli_max_conts(c);
	__u32 *keys = calloc(max, sizeof(*keys));
	__u64 token = 0;
	bool first = true;
	__u32 cnt;
	int ret;

	*n = 0;
	*out = calloc(max, sizeof(**out));
	if (!keys || !*out) {
		free(keys);
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	while (c->conts_fd >= 0 && *n < max) {
		cnt = max - *n;
		ret = bpf_map_lookup_batch(c->conts_fd, first ? NULL : &token,
					   &token, keys + *n, *out + *n, &cnt,
					   &opts);
		first = false;
		*n += cnt;
		if (ret && errno == ENOENT)
			break;
		if (ret) {
			free(keys);
			return cli_err(c, CLI_ERR, NULL, "reading containers: %s",
				       strerror(errno));
		}
	}
	free(keys);
	c->conts_read += *n;
	return 0;
}

/*
 * ---- the index of cli_conts: names, addresses, free ids ----------------
 *
 * cli_index (a pinned userspace-only hash map in the pin directory) lets a
 * new container's checks and its id cost the same with 0 or 4,000
 * containers present, where a dump of every record grew with them: key
 * (kind, name or address or bitmap word), value the container id, or 64
 * bits of the id bitmap (a set bit: the id may be in use). It is a hint
 * kept ahead of the records: cli_conts_step() adds a record's entries
 * and bits before it writes the record, and drops those of a removed
 * record only after it is gone, so every name, address and id of a record
 * is in the index even when a command is killed between the two; an entry
 * is believed only after the record it names is read back. A stale entry
 * costs nothing but a lookup, a stale bit one id until the index is made
 * anew ('check --repair' removes the pin; the next change rebuilds it).
 * Made from one dump of the records by the first change that finds no
 * index (pinned only when complete).
 */
#define CLI_INDEX_PIN	"cli_index"
#define CLI_ID_HINT	0xffffffffU	/* the hint's word number */

enum cli_idx_kind {
	CLI_IDX_NAME = 1,
	CLI_IDX_ADDR,
	CLI_IDX_IDS,		/* .k: the word's number, or CLI_ID_HINT */
};

struct cli_idx_key {
	__u32 kind;
	__u8 k[CLI_NAME_MAX];	/* name, struct cli_addr or __u32, 0-padded */
};

_Static_assert(sizeof(struct cli_addr) <= CLI_NAME_MAX, "cli_idx_key");
_Static_assert(RXL_MAX_CONTAINERS / 64 < CLI_ID_HINT, "cli_index id words");

static void cli_idx_key(struct cli_idx_key *k, __u32 kind, const void *v,
			size_t len)
{
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	memcpy(k->k, v, len);
}

static void cli_idx_name(struct cli_idx_key *k, const char *name)
{
	cli_idx_key(k, CLI_IDX_NAME, name, strnlen(name, CLI_NAME_MAX - 1));
}

static void cli_idx_word(struct cli_idx_key *k, __u32 w)
{
	cli_idx_key(k, CLI_IDX_IDS, &w, sizeof(w));
}

/* Entries and bits of one record, before it is written. */
static int cli_idx_add(int fd, const struct cli_cont *ct)
{
	struct cli_idx_key k;
	__u64 id = ct->id, word = 0;
	__u32 i;

	cli_idx_name(&k, ct->name);
	if (bpf_map_update_elem(fd, &k, &id, 0))
		return -errno;
	for (i = 0; i < ct->naddrs && i < CLI_MAX_ADDRS; i++) {
		cli_idx_key(&k, CLI_IDX_ADDR, &ct->addrs[i],
			    sizeof(ct->addrs[i]));
		if (bpf_map_update_elem(fd, &k, &id, 0))
			return -errno;
	}
	if (ct->id >= RXL_MAX_CONTAINERS)
		return 0;
	cli_idx_word(&k, ct->id / 64);
	if (bpf_map_lookup_elem(fd, &k, &word) && errno != ENOENT)
		return -errno;
	word |= 1ULL << (ct->id % 64);
	return bpf_map_update_elem(fd, &k, &word, 0) ? -errno : 0;
}

/* Drop @k if it still names @id. */
static void cli_idx_drop(int fd, const struct cli_idx_key *k, __u32 id)
{
	__u64 v;

	if (!bpf_map_lookup_elem(fd, k, &v) && v == id)
		bpf_map_delete_elem(fd, k);
}

static bool cli_cont_has_addr(const struct cli_cont *ct,
			      const struct cli_addr *a)
{
	__u32 i;

	for (i = 0; i < ct->naddrs && i < CLI_MAX_ADDRS; i++)
		if (!memcmp(&ct->addrs[i], a, sizeof(*a)))
			return true;
	return false;
}

/*
 * Entries and bit of @old that @new (NULL: none) no longer has, after the
 * record is gone or rewritten. The id's word lowers the hint.
 */
static void cli_idx_remove(int fd, const struct cli_cont *old,
			   const struct cli_cont *new)
{
	bool same_id = new && new->id == old->id;
	struct cli_idx_key k;
	__u64 word, hint;
	__u32 i, w;

	if (!same_id || strcmp(new->name, old->name)) {
		cli_idx_name(&k, old->name);
		cli_idx_drop(fd, &k, old->id);
	}
	for (i = 0; i < old->naddrs && i < CLI_MAX_ADDRS; i++) {
		if (same_id && cli_cont_has_addr(new, &old->addrs[i]))
			continue;
		cli_idx_key(&k, CLI_IDX_ADDR, &old->addrs[i],
			    sizeof(old->addrs[i]));
		cli_idx_drop(fd, &k, old->id);
	}
	if (same_id || old->id >= RXL_MAX_CONTAINERS)
		return;
	w = old->id / 64;
	cli_idx_word(&k, w);
	if (!bpf_map_lookup_elem(fd, &k, &word)) {
		word &= ~(1ULL << (old->id % 64));
		bpf_map_update_elem(fd, &k, &word, 0);
	}
	cli_idx_word(&k, CLI_ID_HINT);
	if (bpf_map_lookup_elem(fd, &k, &hint) || hint > w) {
		hint = w;
		bpf_map_update_elem(fd, &k, &hint, 0);
	}
}

/* A new index from one dump of the records, pinned when complete. */
static int cli_idx_make(struct cli *c, const char *path)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct cli_cont *all = NULL;
	unsigned int n, i;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, CLI_INDEX_PIN,
			    sizeof(struct cli_idx_key), sizeof(__u64),
			    RXL_MAX_CONTAINERS * (2 + CLI_MAX_ADDRS), &opts);
	if (fd < 0)
		return -errno;
	err = cli_conts_dump(c, &all, &n);
	for (i = 0; !err && i < n; i++)
		err = cli_idx_add(fd, &all[i]);
	free(all);
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The index's fd, opened (or made, under the lock) on first use; -1 when
 * there is none to use (no pin directory, a foreign map at its name): the
 * callers then read every record, as before.
 */
static int cli_idx_fd(struct cli *c)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 32];
	int fd;

	if (c->idx_open)
		return c->idx_fd;
	c->idx_open = true;
	c->idx_fd = -1;
	if (c->dir_fd < 0 || c->conts_fd < 0 || !c->pin_dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", c->pin_dir, CLI_INDEX_PIN);
	fd = bpf_obj_get(path);
	if (fd < 0 && errno == ENOENT && c->locked)
		fd = cli_idx_make(c, path);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_HASH ||
	    info.key_size != sizeof(struct cli_idx_key) ||
	    info.value_size != sizeof(__u64)) {
		close(fd);
		return -1;
	}
	c->idx_fd = fd;
	return fd;
}

void cli_idx_close(struct cli *c)
{
	if (c->idx_open && c->idx_fd >= 0)
		close(c->idx_fd);
	c->idx_open = false;
	c->idx_fd = -1;
}

int cli_idx_before(struct cli *c, const struct cli_cont *new)
{
	int fd = cli_idx_fd(c), err;

	if (fd < 0)
		return 0;
	err = cli_idx_add(fd, new);
	if (err)
		return cli_err(c, CLI_ERR, new->name,
			       "writing the index (%s in %s): %s",
			       CLI_INDEX_PIN, c->pin_dir, strerror(-err));
	return 0;
}

void cli_idx_after(struct cli *c, const struct cli_cont *old,
		   const struct cli_cont *new)
{
	int fd = cli_idx_fd(c);

	if (fd >= 0 && old)
		cli_idx_remove(fd, old, new);
}

/* The record of the id @k names, when it still holds @k. */
static int cli_idx_find(struct cli *c, int fd, const struct cli_idx_key *k,
			struct cli_cont *out)
{
	__u64 id;

	if (bpf_map_lookup_elem(fd, k, &id) || id >= RXL_MAX_CONTAINERS ||
	    cli_cont_by_id(c, id, out))
		return -ENOENT;
	if (k->kind == CLI_IDX_NAME)
		return strncmp(out->name, (const char *)k->k,
			       CLI_NAME_MAX) ? -ENOENT : 0;
	return cli_cont_has_addr(out, (const struct cli_addr *)k->k) ?
	       0 : -ENOENT;
}

int cli_idx_check_new(struct cli *c, const struct cli_cont *ct)
{
	int fd = cli_idx_fd(c);
	struct cli_cont *own;
	struct cli_idx_key k;
	char buf[64];
	__u32 i;
	int err = 0;

	if (fd < 0)
		return 1;
	own = malloc(sizeof(*own));
	if (!own)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	cli_idx_name(&k, ct->name);
	if (!cli_idx_find(c, fd, &k, own))
		err = cli_err(c, CLI_ERR, ct->name, "container '%s' exists",
			      ct->name);
	for (i = 0; !err && i < ct->naddrs && i < CLI_MAX_ADDRS; i++) {
		cli_idx_key(&k, CLI_IDX_ADDR, &ct->addrs[i],
			    sizeof(ct->addrs[i]));
		if (cli_idx_find(c, fd, &k, own))
			continue;
		cli_fmt_addr(&ct->addrs[i], buf, sizeof(buf));
		err = cli_err(c, CLI_ERR, buf,
			      "address '%s' belongs to container '%s'", buf,
			      own->name);
	}
	free(own);
	return err;
}

int cli_idx_free_id(struct cli *c, __u32 *id)
{
	int fd = cli_idx_fd(c);
	struct cli_cont *own;
	struct cli_idx_key hk, k;
	__u64 hint = 0, word;
	__u32 max = cli_max_conts(c), words = (max + 63) / 64, w, b;
	int err = 1;

	if (fd < 0)
		return 1;
	own = malloc(sizeof(*own));
	if (!own)
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	cli_idx_word(&hk, CLI_ID_HINT);
	bpf_map_lookup_elem(fd, &hk, &hint);
	for (w = hint < words ? hint : 0; err > 0 && w < words; w++) {
		word = 0;
		cli_idx_word(&k, w);
		bpf_map_lookup_elem(fd, &k, &word);
		for (b = 0; err > 0 && b < 64 && w * 64 + b < max; b++) {
			if (word & (1ULL << b))
				continue;
			/* A record the bitmap missed (an older build's). */
			if (!cli_cont_by_id(c, w * 64 + b, own)) {
				word |= 1ULL << b;
				bpf_map_update_elem(fd, &k, &word, 0);
				continue;
			}
			*id = w * 64 + b;
			err = 0;
		}
		if (err > 0 && w + 1 > hint) {
			hint = w + 1;
			bpf_map_update_elem(fd, &hk, &hint, 0);
		}
	}
	free(own);
	return err;
}
