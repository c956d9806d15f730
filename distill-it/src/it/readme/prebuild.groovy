// Writes the user project out of README.md's "Use distill in your project" section: the one
// ```xml block becomes pom.xml, every ```java block src/main/java/<package>/<Class>.java. The
// README is the only copy of this code, so it cannot drift from what is built and run.
def text = new File(readme).getText('UTF-8')
def start = text.indexOf('\n## Use distill in your project\n')
if (start < 0) {
    throw new IllegalStateException("README.md has no '## Use distill in your project' section")
}
def end = text.indexOf('\n## ', start + 1)
def section = end < 0 ? text.substring(start) : text.substring(start, end)
def blocks = (section =~ /(?s)```(\w+)\n(.*?)```/).collect { [it[1], it[2]] }
def xml = blocks.findAll { it[0] == 'xml' }
def java = blocks.findAll { it[0] == 'java' }
if (xml.size() != 1 || java.size() != 3) {
    throw new IllegalStateException("expected 1 xml and 3 java blocks in the README section, found "
            + xml.size() + " and " + java.size())
}
new File(basedir, 'pom.xml').setText(xml[0][1], 'UTF-8')
java.each { block ->
    def pkg = (block[1] =~ /(?m)^package ([\w.]+);/)
    def cls = (block[1] =~ /(?m)^public (?:final )?class (\w+)/)
    if (!pkg.find() || !cls.find()) {
        throw new IllegalStateException("a java block in the README lacks a package or a public class:\n" + block[1])
    }
    def dir = new File(basedir, 'src/main/java/' + pkg.group(1).replace('.', '/'))
    dir.mkdirs()
    new File(dir, cls.group(1) + '.java').setText(block[1], 'UTF-8')
    println "README -> " + pkg.group(1) + "." + cls.group(1)
}
return true
