// Validates an RDF data graph against a SHACL shapes graph with Apache Jena's SHACL engine and
// prints each result in a form that can be compared with another engine's, one per line:
//
//   conforms <TAB> true|false
//   result <TAB> severity <TAB> owner <TAB> focus <TAB> path <TAB> component <TAB> shape
//
// owner is the focus node if it is an IRI, else the nearest IRI that links to the blank focus (a
// membership owning its interval); focus is "iri" or "blank". path is the result path's IRI, or
// "complex" for a path that is not one predicate, or "-". shape is the source shape's IRI, or
// "<IRI of the node shape holding it> property <path>" for a blank property shape.
//
// Run with single-file source launch: java -cp JENA_JARS JenaShacl.java DATA.nt SHAPES.nt
// (tests/test_shacl_crosscheck.py builds the classpath).

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.Triple;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.shacl.validation.ReportEntry;
import org.apache.jena.shacl.vocabulary.SHACL;

public class JenaShacl {
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: JenaShacl DATA SHAPES");
            System.exit(2);
        }
        Graph data = RDFDataMgr.loadGraph(args[0]);
        Graph shapesGraph = RDFDataMgr.loadGraph(args[1]);
        Shapes shapes = Shapes.parse(shapesGraph);
        ValidationReport report = ShaclValidator.get().validate(shapes, data);
        StringBuilder out = new StringBuilder();
        out.append("conforms\t").append(report.conforms()).append('\n');
        for (ReportEntry entry : report.getEntries()) {
            Node focus = entry.focusNode();
            out.append("result\t")
               .append(entry.severity().level().getLocalName()).append('\t')
               .append(owner(data, focus)).append('\t')
               .append(focus.isBlank() ? "blank" : "iri").append('\t')
               .append(path(entry)).append('\t')
               .append(entry.sourceConstraintComponent().getURI()).append('\t')
               .append(shape(shapesGraph, entry.source())).append('\n');
        }
        System.out.print(out);
    }

    /** The nearest IRI that links to a blank node (the node itself if it is an IRI). */
    static String owner(Graph data, Node node) {
        Set<Node> seen = new HashSet<>();
        while (node.isBlank() && seen.add(node)) {
            List<Triple> in = data.find(Node.ANY, Node.ANY, node).toList();
            if (in.isEmpty()) {
                return "_:unowned";
            }
            node = in.get(0).getSubject();
        }
        return node.isURI() ? node.getURI() : "_:unowned";
    }

    static String path(ReportEntry entry) {
        if (entry.resultPath() == null) {
            return "-";
        }
        String text = entry.resultPath().toString();
        // A single predicate prints as <iri>.
        if (text.startsWith("<") && text.endsWith(">") && text.indexOf(' ') < 0 && text.indexOf('/', text.lastIndexOf('>')) < 0
                && !text.substring(1, text.length() - 1).contains(">")) {
            return text.substring(1, text.length() - 1);
        }
        return "complex";
    }

    static String shape(Graph shapesGraph, Node source) {
        if (source == null) {
            return "-";
        }
        if (source.isURI()) {
            return source.getURI();
        }
        List<String> parents = new ArrayList<>();
        for (Triple t : shapesGraph.find(Node.ANY, SHACL.property, source).toList()) {
            if (t.getSubject().isURI()) {
                parents.add(t.getSubject().getURI());
            }
        }
        if (parents.size() != 1) {
            return "anonymous";
        }
        List<Triple> paths = shapesGraph.find(source, SHACL.path, Node.ANY).toList();
        String path = paths.size() == 1 && paths.get(0).getObject().isURI() ? paths.get(0).getObject().getURI() : "complex";
        return parents.get(0) + " property " + path;
    }
}
