// The register views' styles, imported by name from each view (see list.js).
import "./register.css";
