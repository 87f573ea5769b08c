import "../common/base.css";
import { addMessages, initLanguage } from "../common/i18n.js";
import messages from "../messages/map.js";

addMessages(messages);
initLanguage();
