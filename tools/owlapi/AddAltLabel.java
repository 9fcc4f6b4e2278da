// What an ontologist does in Protégé, done through the OWL API: add one skos:altLabel to an
// individual and save the ontology in the format it was read in (Turtle or RDF/XML).
//
// Usage: java AddAltLabel IN OUT INDIVIDUAL_IRI LABEL LANG
// Exits 2 when the file cannot be loaded or saved, or the individual is not declared in it.

import java.io.File;

import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.OWLAnnotationAssertionAxiom;
import org.semanticweb.owlapi.model.OWLAnnotationProperty;
import org.semanticweb.owlapi.model.OWLDataFactory;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLException;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;

public final class AddAltLabel {

    private static final String SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel";

    private AddAltLabel() {
    }

    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: AddAltLabel IN OUT INDIVIDUAL_IRI LABEL LANG");
            System.exit(2);
        }
        try {
            OWLOntologyManager manager = ProfileCheck.offlineManager();
            OWLOntology ontology = manager.loadOntologyFromOntologyDocument(
                    new FileDocumentSource(new File(args[0])));
            IRI subject = IRI.create(args[2]);
            if (!ontology.containsIndividualInSignature(subject)) {
                System.err.println("AddAltLabel: " + subject + " is not an individual of " + args[0]);
                System.exit(2);
            }
            OWLDataFactory factory = manager.getOWLDataFactory();
            OWLAnnotationProperty altLabel = factory.getOWLAnnotationProperty(IRI.create(SKOS_ALT_LABEL));
            OWLAnnotationAssertionAxiom axiom = factory.getOWLAnnotationAssertionAxiom(
                    altLabel, subject, factory.getOWLLiteral(args[3], args[4]));
            manager.addAxiom(ontology, axiom);
            OWLDocumentFormat format = manager.getOntologyFormat(ontology);
            manager.saveOntology(ontology, format, IRI.create(new File(args[1]).getAbsoluteFile()));
            System.out.println("ADDED\t" + axiom);
        } catch (OWLException e) {
            System.err.println("AddAltLabel: " + e.getMessage());
            System.exit(2);
        }
    }
}
