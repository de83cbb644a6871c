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
	       !memchr(ct->hw_reason, 0, sizeof(ct->hw_reason));
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
	__u32 *keys = calloc(RXL_MAX_CONTAINERS, sizeof(*keys));
	__u64 token = 0;
	bool first = true;
	__u32 cnt;
	int ret;

	*n = 0;
	*out = calloc(RXL_MAX_CONTAINERS, sizeof(**out));
	if (!keys || !*out) {
		free(keys);
		return cli_err(c, CLI_ERR, NULL, "out of memory");
	}
	while (c->conts_fd >= 0 && *n < RXL_MAX_CONTAINERS) {
		cnt = RXL_MAX_CONTAINERS - *n;
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
	return 0;
}
