/*! jQuery stand-in for the sandbox: the portals load it, no page needs it. */
window.jQuery=window.$=function(){return{ready:function(f){f()},on:function(){},click:function(){}}};
