// A second entry point: only the admin pages load it (webpack multi-entry).
import Vue from "vue"
import { greeting } from "../components/hello"

new Vue({ el: "#admin", data: { message: greeting("admin") } })
